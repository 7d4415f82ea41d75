// The campaign form's values and their API body (src/campaigns/schemas.ts): trigger with its payload match,
// audience, actions, guard rails, description and the run's start / end dates.
import dayjs, { type Dayjs } from "dayjs";
import type { BuilderState } from "./ConditionBuilder.tsx";
import { type MatchRow, matchOf } from "./campaign-match.tsx";
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

/** A RangePicker's value with either end left open. */
export type DateRange = [Dayjs | null, Dayjs | null] | null;

export interface CampaignForm {
  name: string;
  description?: string;
  /** Days in the operator's time zone: the start's first moment, the end's last. */
  window?: DateRange;
  trigger_kind: "event" | "schedule" | "date";
  event?: string;
  /** An event's payload match as rows of field, kind of value and value. */
  match?: MatchRow[];
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
  "description",
  "window",
  "trigger_kind",
  "event",
  "match",
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
  starts_at: "window",
  ends_at: "window",
  "budget.max_coupons": "max_coupons",
  "budget.max_points": "max_points",
  "budget.max_messages": "max_messages",
  "frequency_cap.max_actions": "cap_max_actions",
  "frequency_cap.period_days": "cap_period_days",
  "trigger.event": "event",
  "trigger.match": "match",
  "trigger.cron": "cron",
  "trigger.date": "date",
  "trigger.days_before": "days_before",
  "trigger.at_hour": "at_hour",
  "trigger.segment_id": "segment_id",
};

/** The API allows ten actions a campaign. */
export const MAX_ACTIONS = 10;

export const EVENTS = [
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
 * One end of the run as the API's instant. A day the stored instant already falls on keeps that instant (set
 * through the API at, say, 14:30), so an edit that leaves the dates alone changes nothing.
 */
function instant(day: Dayjs | null | undefined, edge: "start" | "end", stored?: string | null) {
  if (!day) return null;
  if (stored && day.isSame(dayjs(stored), "day")) return stored;
  return (edge === "start" ? day.startOf("day") : day.endOf("day")).toISOString();
}

/** What an edit needs to know of the stored campaign. */
export interface EditContext {
  /** A paused campaign: its holdout is not sent, as it cannot change once members were assigned. */
  holdoutFixed: boolean;
  /** It has a condition, which an edit with the switch off clears. */
  hadCondition: boolean;
  starts_at?: string | null;
  ends_at?: string | null;
}

/**
 * The form in the API's terms. A create leaves out what is empty; an edit (`edit` given) sends an empty
 * condition, cap, budget, description or date as cleared.
 */
export function campaignBody(v: CampaignForm, edit?: EditContext) {
  const segment = v.segment_id ? { segment_id: v.segment_id } : {};
  const match = v.match?.length ? matchOf(v.match) : undefined;
  const trigger =
    v.trigger_kind === "event"
      ? { kind: "event", event: v.event, ...(match ? { match } : {}) }
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
  const description = v.description?.trim() || null;
  const startsAt = instant(v.window?.[0], "start", edit?.starts_at);
  const endsAt = instant(v.window?.[1], "end", edit?.ends_at);
  return {
    name: v.name,
    ...(description || edit ? { description } : {}),
    trigger,
    ...(condition || edit?.hadCondition ? { condition } : {}),
    actions: (v.actions ?? []).map(actionBody),
    ...(edit?.holdoutFixed ? {} : { holdout_percent: v.holdout_percent }),
    attribution_days: v.attribution_days,
    once_per_member: v.once_per_member,
    ...(startsAt || edit ? { starts_at: startsAt } : {}),
    ...(endsAt || edit ? { ends_at: endsAt } : {}),
    ...(Object.keys(budget).length > 0 || edit ? { budget } : {}),
    ...(cap || edit ? { frequency_cap: cap } : {}),
  };
}
