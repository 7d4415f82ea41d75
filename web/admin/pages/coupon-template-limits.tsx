// The coupon template form's fields every type shares: where it applies (SKUs, categories, channels, stores,
// tiers, minimum spend), how many (budgets, per-member limit), how it stacks and who may issue or claim it.
import { AutoComplete, Col, Divider, Form, InputNumber, Row, Select, Switch, Typography } from "antd";
import { useI18n } from "../../shared/i18n.tsx";
import { listRule } from "./coupon-template-form.tsx";

const wide = { width: "100%" } as const;
// The channels the brand's orders name (as the earn rules offer them); another may be typed.
const CHANNELS = ["pos", "mini_program", "tmall", "jd", "douyin", "shopify", "woocommerce"];

type Options = { value: string; label: string }[];

function TagsField(props: {
  name: string;
  label: string;
  max: number;
  maxLength: number;
  options?: Options;
  /** Only the options may be chosen (stores, tiers): the API matches their ids and codes exactly. */
  closed?: boolean;
}) {
  const { t } = useI18n();
  return (
    <Form.Item
      name={props.name}
      label={props.label}
      rules={[{ type: "array", max: props.max }, listRule(t, props.maxLength)]}
    >
      <Select
        mode={props.closed ? "multiple" : "tags"}
        tokenSeparators={props.closed ? undefined : [",", " "]}
        optionFilterProp="label"
        options={props.options ?? []}
      />
    </Form.Item>
  );
}

export function WhereFields(props: { stores: Options; tiers: Options }) {
  const { t } = useI18n();
  return (
    <>
      <Typography.Paragraph type="secondary">{t("coupon.listHelp")}</Typography.Paragraph>
      <Row gutter={12}>
        <Col span={12}>
          <TagsField name="skus" label={t("coupon.skus")} max={1000} maxLength={64} />
        </Col>
        <Col span={12}>
          <TagsField name="categories" label={t("coupon.categories")} max={200} maxLength={64} />
        </Col>
      </Row>
      <Row gutter={12}>
        <Col span={12}>
          <TagsField name="exclude_skus" label={t("coupon.excludeSkus")} max={1000} maxLength={64} />
        </Col>
        <Col span={12}>
          <TagsField
            name="channels"
            label={t("coupon.channels")}
            max={50}
            maxLength={40}
            options={CHANNELS.map((c) => ({ value: c, label: c }))}
          />
        </Col>
      </Row>
      <Row gutter={12}>
        <Col span={12}>
          <TagsField
            name="stores"
            label={t("coupon.stores")}
            max={500}
            maxLength={64}
            options={props.stores}
            closed
          />
        </Col>
        <Col span={12}>
          <TagsField
            name="tiers"
            label={t("coupon.tiers")}
            max={20}
            maxLength={40}
            options={props.tiers}
            closed
          />
        </Col>
      </Row>
      <Form.Item name="min_spend_yuan" label={t("coupon.minSpendYuan")}>
        <InputNumber min={0} precision={2} style={wide} />
      </Form.Item>
    </>
  );
}

/** Budgets and the per-member limit: on the create form and, as the API's PATCH allows, on the edit. */
export function LimitFields() {
  const { t } = useI18n();
  return (
    <>
      <Divider titlePlacement="start">{t("coupon.sectionLimits")}</Divider>
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item name="max_issued" label={t("coupon.maxIssued")}>
            <InputNumber min={0} max={1_000_000_000} precision={0} style={wide} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="budget_yuan" label={t("coupon.budgetYuan")} extra={t("coupon.budgetHelp")}>
            <InputNumber min={0} precision={2} style={wide} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="per_member_limit" label={t("coupon.perMemberLimit")}>
            <InputNumber min={1} max={10_000} precision={0} style={wide} />
          </Form.Item>
        </Col>
      </Row>
    </>
  );
}

export function StackingFields() {
  const { t } = useI18n();
  return (
    <>
      <Divider titlePlacement="start">{t("coupon.sectionStacking")}</Divider>
      <Form.Item
        name="stacking_group"
        label={t("coupon.stackingGroup")}
        extra={t("coupon.stackingGroupHelp")}
        rules={[{ max: 40 }]}
      >
        <AutoComplete allowClear options={["item", "order", "shipping"].map((g) => ({ value: g }))} />
      </Form.Item>
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item name="exclusive" label={t("coupon.exclusive")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item
            name="with_member_discount"
            label={t("coupon.withMemberDiscount")}
            valuePropName="checked"
          >
            <Switch />
          </Form.Item>
        </Col>
      </Row>
    </>
  );
}

/** Who may issue or claim it; `withActive` adds the edit's switch that stops issuing. */
export function WhoFields(props: { withActive?: boolean }) {
  const { t } = useI18n();
  return (
    <>
      <Divider titlePlacement="start">{t("coupon.sectionWho")}</Divider>
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item name="staff_issuable" label={t("coupon.staffIssuable")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="claimable" label={t("coupon.claimable")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
        {props.withActive && (
          <Col span={8}>
            <Form.Item name="active" label={t("coupon.active")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        )}
      </Row>
    </>
  );
}
