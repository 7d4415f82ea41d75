// The coupon template form's fields that depend on a choice: what the chosen type of benefit needs (Form
// dependencies on `benefit_kind`), and the validity's days after issue or fixed dates (on `validity_kind`).
import { Col, DatePicker, Form, InputNumber, Row, Select } from "antd";
import type { FormRule } from "antd";
import type { ReactNode } from "react";
import { type Translate, useI18n } from "../../shared/i18n.tsx";
import { BENEFIT_KINDS, type BenefitKind } from "./coupon-template-body.ts";

const wide = { width: "100%" } as const;

/** Each value of a tags list at most `max` characters (the API's limit), checked before sending. */
export function listRule(t: Translate, max: number): FormRule {
  return {
    validator: (_, value: string[] | undefined) =>
      (value ?? []).every((item) => item.length <= max)
        ? Promise.resolve()
        : Promise.reject(new Error(t("coupon.itemRule", { max }))),
  };
}

function Yuan(props: { name: string; label: string; required?: boolean; help?: string }) {
  return (
    <Form.Item
      name={props.name}
      label={props.label}
      extra={props.help}
      rules={props.required ? [{ required: true }] : []}
    >
      <InputNumber min={0} precision={2} style={wide} />
    </Form.Item>
  );
}

function Whole(props: { name: string; label: string; min: number; max: number; required?: boolean }) {
  return (
    <Form.Item name={props.name} label={props.label} rules={props.required ? [{ required: true }] : []}>
      <InputNumber min={props.min} max={props.max} precision={0} style={wide} />
    </Form.Item>
  );
}

function SkuList(props: { label: string; help?: string; max: number }) {
  const { t } = useI18n();
  return (
    <Form.Item
      name="benefit_skus"
      label={props.label}
      extra={props.help}
      rules={[{ required: true }, { type: "array", max: props.max }, listRule(t, 64)]}
    >
      <Select mode="tags" tokenSeparators={[",", " "]} />
    </Form.Item>
  );
}

/** The fields of one type of benefit, named so the API's `benefit.*` problems land on them. */
function KindFields(props: { kind: BenefitKind | undefined }) {
  const { t } = useI18n();
  const pair = (left: ReactNode, right: ReactNode) => (
    <Row gutter={12}>
      <Col span={12}>{left}</Col>
      <Col span={12}>{right}</Col>
    </Row>
  );
  switch (props.kind) {
    case "amount_off":
      return <Yuan name="amount_yuan" label={t("coupon.amountYuan")} required />;
    case "percent_off":
      return pair(
        <Whole name="percent" label={t("coupon.percent")} min={1} max={100} required />,
        <Yuan name="max_discount_yuan" label={t("coupon.maxDiscountYuan")} />,
      );
    case "nth_item":
      return (
        <>
          {pair(
            <Form.Item
              name="nth"
              label={t("coupon.nth")}
              extra={t("coupon.nthHelp")}
              rules={[{ required: true }]}
            >
              <InputNumber min={2} max={10} precision={0} style={wide} />
            </Form.Item>,
            <Form.Item
              name="percent"
              label={t("coupon.nthPercent")}
              extra={t("coupon.nthPercentHelp")}
              rules={[{ required: true }]}
            >
              <InputNumber min={1} max={100} precision={0} style={wide} />
            </Form.Item>,
          )}
          <Whole name="max_applications" label={t("coupon.maxApplications")} min={1} max={1000} />
        </>
      );
    case "free_item":
      return (
        <>
          <SkuList label={t("coupon.giftSkus")} help={t("coupon.giftSkusHelp")} max={100} />
          {pair(
            <Whole name="quantity" label={t("coupon.quantity")} min={1} max={100} required />,
            <Yuan name="max_value_yuan" label={t("coupon.maxValueYuan")} />,
          )}
        </>
      );
    case "free_shipping":
      return <Yuan name="max_shipping_yuan" label={t("coupon.maxShippingYuan")} />;
    case "fixed_price":
      return (
        <>
          <SkuList label={t("coupon.priceSkus")} max={1000} />
          {pair(
            <Yuan name="price_yuan" label={t("coupon.priceYuan")} required />,
            <Whole name="max_units" label={t("coupon.maxUnits")} min={1} max={1000} />,
          )}
        </>
      );
    default:
      return null;
  }
}

export function BenefitFields() {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name="benefit_kind" label={t("coupon.type")}>
        <Select options={BENEFIT_KINDS.map((k) => ({ value: k, label: t(`coupon.kind.${k}`) }))} />
      </Form.Item>
      <Form.Item noStyle dependencies={["benefit_kind"]}>
        {({ getFieldValue }) => <KindFields kind={getFieldValue("benefit_kind") as BenefitKind} />}
      </Form.Item>
    </>
  );
}

export function ValidityFields() {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name="validity_kind" label={t("coupon.validityKind")}>
        <Select
          options={[
            { value: "relative", label: t("coupon.relative") },
            { value: "fixed", label: t("coupon.fixed") },
          ]}
        />
      </Form.Item>
      <Form.Item noStyle dependencies={["validity_kind"]}>
        {({ getFieldValue }) =>
          getFieldValue("validity_kind") === "fixed" ? (
            <Form.Item name="window" label={t("coupon.window")} rules={[{ required: true }]}>
              <DatePicker.RangePicker style={wide} />
            </Form.Item>
          ) : (
            <Row gutter={12}>
              <Col span={12}>
                <Whole name="days" label={t("coupon.days")} min={1} max={3650} required />
              </Col>
              <Col span={12}>
                <Form.Item
                  name="starts_after_days"
                  label={t("coupon.startsAfterDays")}
                  dependencies={["days"]}
                  rules={[
                    ({ getFieldValue: value }) => ({
                      validator: (_, after: number | null | undefined) =>
                        !after || after <= Number(value("days") ?? 0)
                          ? Promise.resolve()
                          : Promise.reject(new Error(t("coupon.startsAfterRule"))),
                    }),
                  ]}
                >
                  <InputNumber min={0} max={365} precision={0} style={wide} />
                </Form.Item>
              </Col>
            </Row>
          )
        }
      </Form.Item>
    </>
  );
}
