import { Type } from "typebox";
import type { Campaign } from "./campaigns.ts";
import type { DryRun } from "./dry-run.ts";
import type { CampaignResults } from "./results.ts";
import type { Run } from "./runs.ts";
import { CampaignSchema } from "./schemas.ts";

/** Response shapes and their serialisers (times as RFC 3339). */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const iso = (d: Date | null) => d?.toISOString() ?? null;

export { CampaignSchema };

export const serializeCampaign = (c: Campaign) => ({
  campaign_id: c.campaign_id,
  name: c.name,
  description: c.description,
  playbook: c.playbook,
  status: c.status,
  ended_reason: c.ended_reason,
  trigger: c.trigger,
  condition: c.condition,
  actions: c.actions,
  once_per_member: c.once_per_member,
  holdout_percent: c.holdout_percent,
  attribution_days: c.attribution_days,
  starts_at: iso(c.starts_at),
  ends_at: iso(c.ends_at),
  budget: c.budget,
  frequency_cap: c.frequency_cap,
  spent: c.spent,
  launched_at: iso(c.launched_at),
  created_at: c.created_at.toISOString(),
  updated_at: c.updated_at.toISOString(),
});

export const RunSchema = Type.Object({
  campaign_id: Type.String(),
  run_key: Type.String({ description: "The due minute of a scheduled pass, or manual:<time> for a run-now" }),
  status: Type.Union([Type.Literal("running"), Type.Literal("done"), Type.Literal("stopped")]),
  considered: Type.Integer({ description: "Candidates looked at" }),
  assigned: Type.Integer({ description: "Members reached (either arm)" }),
  started_at: Type.String({ format: "date-time" }),
  finished_at: Nullable(Type.String({ format: "date-time" })),
});

export const serializeRun = (r: Run) => ({
  ...r,
  started_at: r.started_at.toISOString(),
  finished_at: iso(r.finished_at),
});

const Counts = { coupons: Type.Integer(), points: Type.Integer(), messages: Type.Integer() };

export const DryRunSchema = Type.Object({
  campaign_id: Type.String(),
  audience: Type.Integer({ description: "Members the trigger's audience and the condition select now" }),
  truncated: Type.Boolean(),
  already_reached: Type.Integer({ description: "Of those, reached before (once-per-member campaigns)" }),
  would_reach: Type.Integer(),
  holdout: Type.Integer({ description: "Would be held out: measured, not acted on" }),
  capped: Type.Integer({ description: "Treated arm, but over the frequency cap: nothing would be done" }),
  treated: Type.Integer({ description: "Would be acted on" }),
  sample_member_ids: Type.Array(Type.String()),
  per_member: Type.Object({ ...Counts, coupon_value_minor: Type.Integer() }),
  estimated: Type.Object({
    ...Counts,
    coupon_value_minor: Type.Integer({ description: "Face value where the benefit bounds it" }),
    coupons_of_unbounded_value: Type.Integer(),
  }),
  budget_covers: Nullable(Type.Integer({ description: "Treated members the remaining budget covers" })),
});

export const serializeDryRun = (d: DryRun) => d;

const ArmSchema = Type.Object({
  members: Type.Integer(),
  converters: Type.Integer({ description: "Members with an order in their attribution window" }),
  conversion_rate: Type.Number(),
  orders: Type.Integer(),
  revenue_minor: Type.Integer({ description: "Paid less refunded, of orders in the windows" }),
  revenue_per_member_minor: Type.Integer(),
});

export const ResultsSchema = Type.Object({
  campaign_id: Type.String(),
  as_of: Type.String({ format: "date-time" }),
  attribution_days: Type.Integer(),
  reached: Type.Integer({ description: "Members reached, both arms" }),
  acted: Type.Integer({ description: "Assignments acted on" }),
  capped: Type.Integer({ description: "Treated-arm assignments skipped by the frequency cap" }),
  treatment: ArmSchema,
  holdout: ArmSchema,
  uplift: Nullable(
    Type.Object({
      difference: Type.Number({ description: "Conversion rate, treated minus holdout (0.05 = 5 points)" }),
      ci95_low: Type.Number(),
      ci95_high: Type.Number(),
      significant: Type.Boolean({ description: "The 95% interval excludes zero" }),
      incremental_revenue_minor: Type.Integer({
        description: "(revenue per treated member − per holdout member) × treated members",
      }),
    }),
  ),
  actions: Type.Object({
    coupons_issued: Type.Integer(),
    coupons_redeemed: Type.Integer(),
    points_granted: Type.Integer(),
    messages_sent: Type.Integer({ description: "Messages asked of messaging (including suppressed ones)" }),
  }),
  messages: Type.Object(
    {
      queued: Type.Integer(),
      sent: Type.Integer(),
      delivered: Type.Integer(),
      failed: Type.Integer(),
      suppressed: Type.Integer({ description: "Not sent: no consent, no address, member inactive" }),
    },
    { description: "What became of the campaign's messages" },
  ),
});

export const serializeResults = (r: CampaignResults) => ({ ...r, as_of: r.as_of.toISOString() });

export const AssignmentSchema = Type.Object({
  member_id: Type.String(),
  occurrence: Type.String({ description: "once, event:<event id>, run:<due minute>, birthday:<year>, …" }),
  arm: Type.Union([Type.Literal("treatment"), Type.Literal("holdout")]),
  outcome: Type.Union([Type.Literal("acted"), Type.Literal("held_out"), Type.Literal("capped")]),
  coupons: Type.Integer(),
  points: Type.Integer(),
  messages: Type.Integer(),
  assigned_at: Type.String({ format: "date-time" }),
});
