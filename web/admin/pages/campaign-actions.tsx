// A campaign's actions: up to ten rows of one Form.List named as the API's `actions`, so its
// `actions.N.field` problems fall on row N; each row shows only its kind's fields.
import { Button, Card, Col, Form, Input, InputNumber, Row, Select } from "antd";
import { useI18n } from "../../shared/i18n.tsx";
import { ACTIONS, type ActionKind, MAX_ACTIONS } from "./campaign-body.ts";

export type Options = { value: string; label: string }[];

function ActionFields(props: {
  name: number;
  kind: ActionKind | undefined;
  coupons: Options;
  packs: Options;
  tags: Options;
  messages: Options;
}) {
  const { t } = useI18n();
  const { name, kind } = props;
  const required = [{ required: true }];
  return (
    <>
      <Row gutter={12}>
        <Col span={10}>
          <Form.Item name={[name, "kind"]} label={t("cmp.action")} rules={required}>
            <Select options={ACTIONS.map((a) => ({ value: a, label: t(`cmp.action.${a}`) }))} />
          </Form.Item>
        </Col>
        <Col span={14}>
          {kind === "issue_coupon" && (
            <Form.Item name={[name, "template_id"]} label={t("pack.template")} rules={required}>
              <Select options={props.coupons} />
            </Form.Item>
          )}
          {kind === "issue_pack" && (
            <Form.Item name={[name, "pack_id"]} label={t("nav.packs")} rules={required}>
              <Select options={props.packs} />
            </Form.Item>
          )}
          {kind === "grant_points" && (
            <Form.Item name={[name, "points"]} label={t("rule.points")} rules={required}>
              <InputNumber min={0} precision={0} style={{ width: "100%" }} />
            </Form.Item>
          )}
          {(kind === "add_tag" || kind === "remove_tag") && (
            <Form.Item name={[name, "tag_id"]} label={t("nav.tags")} rules={required}>
              <Select options={props.tags} />
            </Form.Item>
          )}
          {kind === "send_message" && (
            <Form.Item name={[name, "template_code"]} label={t("nav.messages")} rules={required}>
              <Select options={props.messages} />
            </Form.Item>
          )}
        </Col>
      </Row>
      {kind === "grant_points" && (
        <Form.Item name={[name, "reason"]} label={t("cmp.reason")}>
          <Input />
        </Form.Item>
      )}
      {kind === "send_message" && (
        <Form.Item name={[name, "channel"]} label={t("msg.channel")} rules={required}>
          <Select options={["sms", "email", "im"].map((c) => ({ value: c, label: c }))} />
        </Form.Item>
      )}
    </>
  );
}

export function ActionList(props: {
  actionKinds: (ActionKind | undefined)[];
  coupons: Options;
  packs: Options;
  tags: Options;
  messages: Options;
}) {
  const { t } = useI18n();
  return (
    <Form.List name="actions">
      {(fields, { add, remove }) => (
        <>
          {fields.map((field, index) => (
            <Card
              key={field.key}
              size="small"
              style={{ marginBottom: 12 }}
              data-testid={`action-${index}`}
              title={t("cmp.actionNo", { n: String(index + 1) })}
              extra={
                fields.length > 1 && (
                  <Button size="small" onClick={() => remove(field.name)}>
                    {t("cmp.removeAction")}
                  </Button>
                )
              }
            >
              <ActionFields
                name={field.name}
                kind={props.actionKinds[index]}
                coupons={props.coupons}
                packs={props.packs}
                tags={props.tags}
                messages={props.messages}
              />
            </Card>
          ))}
          <Button
            block
            disabled={fields.length >= MAX_ACTIONS}
            style={{ marginBottom: 16 }}
            onClick={() => add({ kind: "grant_points" })}
          >
            {t("cmp.addAction")}
          </Button>
        </>
      )}
    </Form.List>
  );
}
