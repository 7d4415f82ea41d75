// A draft or paused campaign back as the campaign form, when the form shows all it holds: actions of known kinds
// with only their own fields, a condition the builder can show as rows, a payload match whose values the match
// rows can show (text, number, true / false, or a list of only texts or only numbers).
// Anything else gets no Edit button, so a save cannot drop what the form did not show.
import dayjs from "dayjs";
import type { Condition } from "./conditions.ts";
import { ACTION_FIELDS, type ActionKind, type ActionRow, type CampaignForm } from "./campaign-body.ts";
import { rowsOf } from "./campaign-match.tsx";
import { builderOf } from "./tag-form.ts";

export interface StoredCampaign {
  campaign_id: string;
  name: string;
  description?: string | null;
  status: string;
  playbook?: string | null;
  trigger: {
    kind: string;
    event?: string;
    match?: Record<string, unknown>;
    cron?: string;
    date?: string;
    days_before?: number;
    at_hour?: number;
    segment_id?: string;
  };
  condition?: Condition | null;
  actions: ({ kind: string } & Record<string, unknown>)[];
  holdout_percent: number;
  attribution_days?: number;
  once_per_member?: boolean;
  budget?: Record<string, number> | null;
  frequency_cap?: { max_actions: number; period_days: number } | null;
  starts_at?: string | null;
  ends_at?: string | null;
}

const TRIGGER_FIELDS = ["kind", "event", "match", "cron", "date", "days_before", "at_hour", "segment_id"];
const BUDGET_FIELDS = ["max_coupons", "max_points", "max_messages"];

/** The statuses the API lets a PATCH change. */
export const EDITABLE_STATUSES = ["draft", "paused"];

function actionRow(action: StoredCampaign["actions"][number]): ActionRow | undefined {
  const fields = ACTION_FIELDS[action.kind as ActionKind] as readonly string[] | undefined;
  if (!fields || Object.keys(action).some((k) => k !== "kind" && !fields.includes(k))) return undefined;
  return action as unknown as ActionRow;
}

export function toCampaignForm(c: StoredCampaign): CampaignForm | undefined {
  if (!EDITABLE_STATUSES.includes(c.status) || c.actions.length === 0) return undefined;
  const actions = c.actions.map(actionRow);
  if (actions.some((a) => !a)) return undefined;
  if (Object.keys(c.budget ?? {}).some((k) => !BUDGET_FIELDS.includes(k))) return undefined;
  const condition = c.condition ? builderOf(c.condition) : undefined;
  if (c.condition && !condition) return undefined;
  const trigger = c.trigger;
  if (Object.keys(trigger).some((k) => !TRIGGER_FIELDS.includes(k))) return undefined;
  const match = trigger.match ? rowsOf(trigger.match) : [];
  if (!match) return undefined;
  if (trigger.kind !== "event" && trigger.kind !== "schedule" && trigger.kind !== "date") return undefined;
  const budget = c.budget ?? {};
  return {
    name: c.name,
    ...(c.description ? { description: c.description } : {}),
    ...(c.starts_at || c.ends_at
      ? { window: [c.starts_at ? dayjs(c.starts_at) : null, c.ends_at ? dayjs(c.ends_at) : null] }
      : {}),
    trigger_kind: trigger.kind,
    ...(trigger.event ? { event: trigger.event } : {}),
    match,
    ...(trigger.cron ? { cron: trigger.cron } : {}),
    ...(trigger.date ? { date: trigger.date as CampaignForm["date"] } : {}),
    ...(trigger.days_before !== undefined ? { days_before: trigger.days_before } : {}),
    ...(trigger.at_hour !== undefined ? { at_hour: trigger.at_hour } : {}),
    ...(trigger.segment_id ? { segment_id: trigger.segment_id } : {}),
    has_condition: Boolean(condition),
    ...(condition ? { condition } : {}),
    actions: actions as ActionRow[],
    holdout_percent: c.holdout_percent,
    attribution_days: c.attribution_days ?? 14,
    once_per_member: c.once_per_member ?? true,
    ...Object.fromEntries(BUDGET_FIELDS.flatMap((k) => (budget[k] ? [[k, budget[k]]] : []))),
    ...(c.frequency_cap
      ? { cap_max_actions: c.frequency_cap.max_actions, cap_period_days: c.frequency_cap.period_days }
      : {}),
  };
}
