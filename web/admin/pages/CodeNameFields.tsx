import { Col, Form, Input, Row } from "antd";
import { useI18n } from "../../shared/i18n.tsx";

/**
 * The code and name row that opens most configuration forms. The code is the brand's own key for the thing and
 * cannot change once created (`locked` when editing); `pattern` is the one the API checks for that kind.
 */
export function CodeNameFields({
  placeholder,
  locked = false,
  pattern = /^[A-Za-z0-9_.-]+$/,
  maxCode,
}: {
  placeholder: string;
  locked?: boolean;
  pattern?: RegExp;
  maxCode?: number;
}) {
  const { t } = useI18n();
  return (
    <Row gutter={12}>
      <Col span={10}>
        <Form.Item
          name="code"
          label={t("coupon.code")}
          rules={[
            { required: true },
            { pattern, message: t("coupon.codeRule") },
            ...(maxCode === undefined ? [] : [{ max: maxCode }]),
          ]}
        >
          <Input disabled={locked} placeholder={placeholder} />
        </Form.Item>
      </Col>
      <Col span={14}>
        <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 100 }]}>
          <Input />
        </Form.Item>
      </Col>
    </Row>
  );
}
