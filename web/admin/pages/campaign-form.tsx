// The campaign form: a trigger (event, schedule or date), the audience (a segment and / or a condition written
// with the condition builder), up to ten actions (a Form.List of rows), guard rails (holdout, budget, frequency cap).
import { Button, Card, Col, Form, Input, InputNumber, Row, Select, Switch, Typography } from "antd";
import { useI18n } from "../../shared/i18n.tsx";
import { type BuilderState, ConditionBuilder, EMPTY_BUILDER } from "./ConditionBuilder.tsx";
import { conditionOf } from "./conditions.ts";

export type ActionKind =
  "issue_coupon" | "issue_pack" | "grant_points" | "add_tag" | "remove_tag" | "send_message";

/** One action row: its kind and that kind's fields, named as the API names them. */
export interface ActionRow {
  kind: ActionKind;
  template_id?: string;
  pack_id?: string;
  points?: number;
  reason?: string;
  tag_id?: string;
  template_code?: string;
  channel?: "sms" | "email" | "im";
}

export interface CampaignForm {
  name: string;
  trigger_kind: "event" | "schedule" | "date";
  event?: string;
  cron?: string;
  date?: "birthday" | "points_expiring" | "coupon_expiring";
  days_before?: number;
  at_hour?: number;
  segment_id?: string;
  has_condition: boolean;
  condition?: BuilderState;
  actions: ActionRow[];
  holdout_percent: number;
  attribution_days: number;
  once_per_member: boolean;
  max_coupons?: number;
  max_points?: number;
  max_messages?: number;
  cap_max_actions?: number;
  cap_period_days?: number;
}

export const CAMPAIGN_FIELDS = [
  "name",
  "trigger_kind",
  "event",
  "cron",
  "date",
  "days_before",
  "at_hour",
  "segment_id",
  "condition",
  "actions",
  "holdout_percent",
  "attribution_days",
  "max_coupons",
  "max_points",
  "max_messages",
  "cap_max_actions",
  "cap_period_days",
];
export const CAMPAIGN_ALIASES = {
  "condition.*": "condition",
  "budget.max_coupons": "max_coupons",
  "budget.max_points": "max_points",
  "budget.max_messages": "max_messages",
  "frequency_cap.max_actions": "cap_max_actions",
  "frequency_cap.period_days": "cap_period_days",
  "trigger.event": "event",
  "trigger.cron": "cron",
  "trigger.date": "date",
  "trigger.days_before": "days_before",
  "trigger.at_hour": "at_hour",
  "trigger.segment_id": "segment_id",
};

/** The API allows ten actions a campaign. */
export const MAX_ACTIONS = 10;

const EVENTS = [
  "member.joined",
  "order.first",
  "order.created",
  "order.completed",
  "tier.changed",
  "member.stage_changed",
  "member.importance_changed",
  "segment.entered",
  "segment.left",
  "checkin.streak_broken",
  "checkin.recorded",
  "task.completed",
  "referral.rewarded",
];
export const ACTIONS: readonly ActionKind[] = [
  "issue_coupon",
  "issue_pack",
  "grant_points",
  "add_tag",
  "remove_tag",
  "send_message",
];

/** The fields each kind of action has besides its kind. */
export const ACTION_FIELDS: Record<ActionKind, readonly (keyof ActionRow)[]> = {
  issue_coupon: ["template_id"],
  issue_pack: ["pack_id"],
  grant_points: ["points", "reason"],
  add_tag: ["tag_id"],
  remove_tag: ["tag_id"],
  send_message: ["template_code", "channel"],
};

/** A row as the API's action: its kind's own fields, the empty ones left out. */
export function actionBody(row: ActionRow): Record<string, unknown> {
  const fields = ACTION_FIELDS[row.kind];
  return {
    kind: row.kind,
    ...Object.fromEntries(
      fields.flatMap((f) => (row[f] === undefined || row[f] === null || row[f] === "" ? [] : [[f, row[f]]])),
    ),
  };
}

/**
 * The form in the API's terms. A create leaves out what is empty; an edit (`editing`) sends an empty condition,
 * cap or budget as cleared, and a paused campaign's (`holdoutFixed`) holdout not at all: it cannot change once
 * members were assigned.
 */
export function campaignBody(
  v: CampaignForm,
  editing = false,
  holdoutFixed = false,
  /** The stored campaign has a condition, which an edit with the switch off clears. */
  hadCondition = false,
) {
  const segment = v.segment_id ? { segment_id: v.segment_id } : {};
  const trigger =
    v.trigger_kind === "event"
      ? { kind: "event", event: v.event }
      : v.trigger_kind === "schedule"
        ? { kind: "schedule", cron: v.cron, ...segment }
        : {
            kind: "date",
            date: v.date,
            ...(v.days_before !== undefined && v.days_before !== null ? { days_before: v.days_before } : {}),
            ...(v.at_hour !== undefined && v.at_hour !== null ? { at_hour: v.at_hour } : {}),
            ...segment,
          };
  const condition = v.has_condition && v.condition ? conditionOf(v.condition.rows, v.condition.join) : null;
  const budget = Object.fromEntries(
    (["max_coupons", "max_points", "max_messages"] as const).flatMap((k) => (v[k] ? [[k, v[k]]] : [])),
  );
  const cap =
    v.cap_max_actions && v.cap_period_days
      ? { max_actions: v.cap_max_actions, period_days: v.cap_period_days }
      : null;
  return {
    name: v.name,
    trigger,
    ...(condition || (editing && hadCondition) ? { condition } : {}),
    actions: (v.actions ?? []).map(actionBody),
    ...(holdoutFixed ? {} : { holdout_percent: v.holdout_percent }),
    attribution_days: v.attribution_days,
    once_per_member: v.once_per_member,
    ...(Object.keys(budget).length > 0 || editing ? { budget } : {}),
    ...(cap || editing ? { frequency_cap: cap } : {}),
  };
}

type Options = { value: string; label: string }[];

/** The builder as a form control: Form.Item gives it the value and takes its changes. */
function ConditionField(props: { value?: BuilderState; onChange?: (next: BuilderState) => void }) {
  return (
    <ConditionBuilder value={props.value ?? EMPTY_BUILDER} onChange={(next) => props.onChange?.(next)} />
  );
}

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

export function CampaignFields(props: {
  triggerKind: CampaignForm["trigger_kind"] | undefined;
  hasCondition: boolean | undefined;
  actionKinds: (ActionKind | undefined)[];
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
