// The campaign form: name and description, the run's dates, a trigger (an event with its payload match, a
// schedule or a date), the audience (a segment and / or a condition written with the condition builder), up to ten
// actions (campaign-actions.tsx), guard rails (holdout, budget, frequency cap). Values and body: campaign-body.ts.
import { Col, DatePicker, Form, Input, InputNumber, Row, Select, Switch, Typography } from "antd";
import { useI18n } from "../../shared/i18n.tsx";
import { ActionList, type Options } from "./campaign-actions.tsx";
import { type ActionKind, type CampaignForm, EVENTS } from "./campaign-body.ts";
import { type MatchType, MatchRows } from "./campaign-match.tsx";
import { type BuilderState, ConditionBuilder, EMPTY_BUILDER } from "./ConditionBuilder.tsx";

/** The builder as a form control: Form.Item gives it the value and takes its changes. */
function ConditionField(props: { value?: BuilderState; onChange?: (next: BuilderState) => void }) {
  return (
    <ConditionBuilder value={props.value ?? EMPTY_BUILDER} onChange={(next) => props.onChange?.(next)} />
  );
}

export function CampaignFields(props: {
  triggerKind: CampaignForm["trigger_kind"] | undefined;
  hasCondition: boolean | undefined;
  actionKinds: (ActionKind | undefined)[];
  matchTypes: (MatchType | undefined)[];
  /** A paused campaign: its holdout stays as it is. */
  holdoutFixed: boolean;
  segments: Options;
  coupons: Options;
  packs: Options;
  tags: Options;
  messages: Options;
}) {
  const { t } = useI18n();
  const { triggerKind } = props;
  const required = [{ required: true }];
  return (
    <>
      <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 100 }]}>
        <Input />
      </Form.Item>
      <Form.Item name="description" label={t("cmp.description")} rules={[{ max: 500 }]}>
        <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
      </Form.Item>
      <Form.Item name="window" label={t("cmp.window")} extra={t("cmp.windowHelp")}>
        <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: "100%" }} />
      </Form.Item>
      <Row gutter={12}>
        <Col span={10}>
          <Form.Item name="trigger_kind" label={t("cmp.trigger")}>
            <Select
              options={(["event", "schedule", "date"] as const).map((k) => ({
                value: k,
                label: t(`cmp.trigger.${k}`),
              }))}
            />
          </Form.Item>
        </Col>
        <Col span={14}>
          {triggerKind === "event" && (
            <Form.Item name="event" label={t("cmp.event")} rules={required}>
              <Select options={EVENTS.map((e) => ({ value: e, label: e }))} />
            </Form.Item>
          )}
          {triggerKind === "schedule" && (
            <Form.Item name="cron" label={t("cmp.cron")} rules={required} extra={t("cmp.cronHelp")}>
              <Input placeholder="0 10 * * 2,5" />
            </Form.Item>
          )}
          {triggerKind === "date" && (
            <Form.Item name="date" label={t("cmp.date")} rules={required}>
              <Select
                options={(["birthday", "points_expiring", "coupon_expiring"] as const).map((d) => ({
                  value: d,
                  label: t(`cmp.date.${d}`),
                }))}
              />
            </Form.Item>
          )}
        </Col>
      </Row>
      {triggerKind === "event" && <MatchRows types={props.matchTypes} />}
      {triggerKind !== "event" && (
        <Row gutter={12}>
          <Col span={triggerKind === "date" ? 12 : 24}>
            <Form.Item
              name="segment_id"
              label={t("cmp.audience")}
              extra={triggerKind === "schedule" ? t("cmp.audienceHelp") : undefined}
            >
              <Select allowClear options={props.segments} />
            </Form.Item>
          </Col>
          {triggerKind === "date" && (
            <>
              <Col span={6}>
                <Form.Item name="days_before" label={t("cmp.daysBefore")}>
                  <InputNumber min={0} max={60} precision={0} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
              <Col span={6}>
                <Form.Item name="at_hour" label={t("cmp.atHour")}>
                  <InputNumber min={0} max={23} precision={0} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
            </>
          )}
        </Row>
      )}
      <Form.Item
        name="has_condition"
        label={t("cmp.hasCondition")}
        valuePropName="checked"
        extra={t("cmp.conditionHelp")}
      >
        <Switch />
      </Form.Item>
      {props.hasCondition && (
        <Form.Item name="condition" label={t("tags.condition")}>
          <ConditionField />
        </Form.Item>
      )}
      <Typography.Title level={5}>{t("cmp.actions")}</Typography.Title>
      <ActionList
        actionKinds={props.actionKinds}
        coupons={props.coupons}
        packs={props.packs}
        tags={props.tags}
        messages={props.messages}
      />
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item
            name="holdout_percent"
            label={t("cmp.holdout")}
            extra={props.holdoutFixed ? t("cmp.holdoutFixed") : undefined}
          >
            <InputNumber
              min={0}
              max={90}
              precision={0}
              suffix="%"
              disabled={props.holdoutFixed}
              style={{ width: "100%" }}
            />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="attribution_days" label={t("cmp.attribution")}>
            <InputNumber min={1} max={365} precision={0} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="once_per_member" label={t("cmp.oncePerMember")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
      </Row>
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item name="max_coupons" label={t("cmp.maxCoupons")}>
            <InputNumber min={0} precision={0} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="max_points" label={t("cmp.maxPoints")}>
            <InputNumber min={0} precision={0} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="max_messages" label={t("cmp.maxMessages")}>
            <InputNumber min={0} precision={0} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
      </Row>
      <Typography.Text type="secondary">{t("cmp.capHelp")}</Typography.Text>
      <Row gutter={12} style={{ marginTop: 8 }}>
        <Col span={12}>
          <Form.Item
            name="cap_max_actions"
            label={t("cmp.capMaxActions")}
            dependencies={["cap_period_days"]}
            rules={[
              ({ getFieldValue }) => ({
                required: Boolean(getFieldValue("cap_period_days")),
              }),
            ]}
          >
            <InputNumber min={1} max={100} precision={0} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item
            name="cap_period_days"
            label={t("cmp.capPeriodDays")}
            dependencies={["cap_max_actions"]}
            rules={[
              ({ getFieldValue }) => ({
                required: Boolean(getFieldValue("cap_max_actions")),
              }),
            ]}
          >
            <InputNumber min={1} max={365} precision={0} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
      </Row>
      <Typography.Paragraph type="secondary">{t("cmp.quietHoursNote")}</Typography.Paragraph>
    </>
  );
}
