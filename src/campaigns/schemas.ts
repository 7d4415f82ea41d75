import { type Static, Type } from "typebox";
import { ConditionSchema } from "../audience/conditions/schema.ts";

// Input schemas carry no `default` keywords: the validator applies defaults, and a default inside a PATCH body would
// silently overwrite the stored value. Defaults are filled in service.ts.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Id = Type.String({ minLength: 1, maxLength: 64 });
const DateTimeString = Type.String({ format: "date-time" });

/** Events a campaign can react to: published by other capabilities, plus `order.first` (an order that is the first). */
export const EVENT_TRIGGERS = [
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
] as const;
export type EventTrigger = (typeof EVENT_TRIGGERS)[number];

/** Calendar triggers the campaign scheduler looks for once a brand-local day, at `at_hour`. */
export const DATE_TRIGGERS = ["birthday", "points_expiring", "coupon_expiring"] as const;
export type DateTrigger = (typeof DATE_TRIGGERS)[number];

const MatchValue = Type.Union([
  Type.String({ maxLength: 200 }),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.Union([Type.String({ maxLength: 200 }), Type.Number()]), { minItems: 1, maxItems: 100 }),
]);

export const TriggerSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal("event"),
      event: Type.Enum(EVENT_TRIGGERS),
      match: Type.Optional(
        Type.Record(Type.String({ pattern: "^[a-z_]{1,40}$" }), MatchValue, {
          maxProperties: 10,
          description:
            "Fields of the event's payload it must carry: a value, or a list of values any of which will do " +
            '(`{"to": "silent"}` for a stage change to silent, `{"segment_id": "seg_…"}`)',
        }),
      ),
    },
    { additionalProperties: false, description: "When one of the brand's events happens to a member" },
  ),
  Type.Object(
    {
      kind: Type.Literal("schedule"),
      cron: Type.String({
        minLength: 9,
        maxLength: 100,
        description:
          "Five-field cron in the brand's time zone: `0 10 * * 2,5` is 10:00 every Tuesday and Friday",
        examples: ["0 10 * * 2,5"],
      }),
      segment_id: Type.Optional(Id),
    },
    {
      additionalProperties: false,
      description:
        "At each due minute, over a segment's members (and/or the campaign's condition over every member)",
    },
  ),
  Type.Object(
    {
      kind: Type.Literal("date"),
      date: Type.Enum(DATE_TRIGGERS),
      days_before: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 60,
          description:
            "Birthday: days ahead of it (0 = on the day); points: points expiring within this many days",
        }),
      ),
      at_hour: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 23, description: "Brand-local hour; default 10" }),
      ),
      segment_id: Type.Optional(Id),
    },
    {
      additionalProperties: false,
      description:
        "Once a brand-local day: members whose birthday comes, or whose points are about to expire",
    },
  ),
]);
export type Trigger = Static<typeof TriggerSchema>;

export const MESSAGE_CHANNELS = ["sms", "email", "im"] as const;

export const ActionSchema = Type.Union([
  Type.Object(
    { kind: Type.Literal("issue_coupon"), template_id: Id },
    { additionalProperties: false, description: "Issue one coupon of a template" },
  ),
  Type.Object(
    { kind: Type.Literal("issue_pack"), pack_id: Id },
    { additionalProperties: false, description: "Issue a coupon pack" },
  ),
  Type.Object(
    {
      kind: Type.Literal("grant_points"),
      points: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      reason: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
    },
    { additionalProperties: false, description: "Grant points (a lot expiring per the points program)" },
  ),
  Type.Object({ kind: Type.Literal("add_tag"), tag_id: Id }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal("remove_tag"), tag_id: Id }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal("send_message"),
      template_code: Type.String({ minLength: 1, maxLength: 64 }),
      channel: Type.Enum(MESSAGE_CHANNELS),
    },
    {
      additionalProperties: false,
      description: "Send a message template on a channel (consent and quiet hours are honoured by messaging)",
    },
  ),
]);
export type Action = Static<typeof ActionSchema>;

export const BudgetSchema = Type.Object(
  {
    max_coupons: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    max_points: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
    max_messages: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
  },
  {
    additionalProperties: false,
    description:
      "Caps on what the campaign gives; it ends (ended_reason `budget_spent`) when one would be passed",
  },
);
export type Budget = Static<typeof BudgetSchema>;

export const FrequencyCapSchema = Type.Object(
  {
    max_actions: Type.Integer({ minimum: 1, maximum: 100 }),
    period_days: Type.Integer({ minimum: 1, maximum: 365 }),
  },
  {
    additionalProperties: false,
    description:
      "A member acted on by this many campaigns of the brand (any campaign) within the period is not acted on again",
  },
);
export type FrequencyCap = Static<typeof FrequencyCapSchema>;

const editable = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Nullable(Type.String({ maxLength: 500 })),
  trigger: TriggerSchema,
  condition: Nullable(ConditionSchema),
  actions: Type.Array(ActionSchema, { minItems: 1, maxItems: 10 }),
  once_per_member: Type.Boolean({
    description:
      "true (default): a member is reached at most once by this campaign; false: once per event or scheduled run",
  }),
  holdout_percent: Type.Integer({
    minimum: 0,
    maximum: 90,
    description: "Members kept aside at random (and measured) to show uplift; default 10",
  }),
  attribution_days: Type.Integer({
    minimum: 1,
    maximum: 365,
    description: "Orders within this many days after a member is reached count for the campaign; default 14",
  }),
  starts_at: Nullable(DateTimeString),
  ends_at: Nullable(DateTimeString),
  budget: BudgetSchema,
  frequency_cap: Nullable(FrequencyCapSchema),
};

export const CampaignCreateBody = Type.Object(
  {
    name: editable.name,
    description: Type.Optional(editable.description),
    trigger: editable.trigger,
    condition: Type.Optional(editable.condition),
    actions: editable.actions,
    once_per_member: Type.Optional(editable.once_per_member),
    holdout_percent: Type.Optional(editable.holdout_percent),
    attribution_days: Type.Optional(editable.attribution_days),
    starts_at: Type.Optional(editable.starts_at),
    ends_at: Type.Optional(editable.ends_at),
    budget: Type.Optional(editable.budget),
    frequency_cap: Type.Optional(editable.frequency_cap),
  },
  { additionalProperties: false },
);
export type CampaignCreate = Static<typeof CampaignCreateBody>;

export const CampaignPatchBody = Type.Object(
  {
    name: Type.Optional(editable.name),
    description: Type.Optional(editable.description),
    trigger: Type.Optional(editable.trigger),
    condition: Type.Optional(editable.condition),
    actions: Type.Optional(editable.actions),
    once_per_member: Type.Optional(editable.once_per_member),
    holdout_percent: Type.Optional(editable.holdout_percent),
    attribution_days: Type.Optional(editable.attribution_days),
    starts_at: Type.Optional(editable.starts_at),
    ends_at: Type.Optional(editable.ends_at),
    budget: Type.Optional(editable.budget),
    frequency_cap: Type.Optional(editable.frequency_cap),
  },
  {
    additionalProperties: false,
    description: "Only the fields given change; a draft or a paused campaign only",
  },
);
export type CampaignPatch = Static<typeof CampaignPatchBody>;

export const CampaignStatusSchema = Type.Union([
  Type.Literal("draft"),
  Type.Literal("scheduled"),
  Type.Literal("active"),
  Type.Literal("paused"),
  Type.Literal("ended"),
]);

export const CampaignSchema = Type.Object({
  campaign_id: Type.String({ examples: ["cmp_01jd7x4qz8f3s9v2k6m1n0p5r7"] }),
  name: Type.String(),
  description: Nullable(Type.String()),
  playbook: Nullable(Type.String({ description: "The playbook it was installed from" })),
  status: CampaignStatusSchema,
  ended_reason: Nullable(Type.String({ description: "ended_by_operator, ends_at_passed, budget_spent" })),
  trigger: TriggerSchema,
  condition: Nullable(Type.Record(Type.String(), Type.Unknown())),
  actions: Type.Array(ActionSchema),
  once_per_member: Type.Boolean(),
  holdout_percent: Type.Integer(),
  attribution_days: Type.Integer(),
  starts_at: Nullable(DateTimeString),
  ends_at: Nullable(DateTimeString),
  budget: BudgetSchema,
  frequency_cap: Nullable(FrequencyCapSchema),
  spent: Type.Object({ coupons: Type.Integer(), points: Type.Integer(), messages: Type.Integer() }),
  launched_at: Nullable(DateTimeString),
  created_at: DateTimeString,
  updated_at: DateTimeString,
});

export const CampaignIdParams = Type.Object({ campaign_id: Id });

export const CampaignListQuery = Type.Object(
  {
    status: Type.Optional(CampaignStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
