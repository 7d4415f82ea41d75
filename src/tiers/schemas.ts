import { type Static, Type } from "typebox";

// Input schemas carry no `default` keywords on purpose: the validator applies defaults (useDefaults), and a
// default inside a PATCH body would silently overwrite the stored value. Defaults are filled in ladder.ts.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const DateTimeString = Type.String({ format: "date-time" });

export const TierCodeSchema = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: "^[A-Za-z0-9_-]+$",
  description: "Stable code used by earn rules and integrations; cannot change once created",
  examples: ["VIP", "BLACK_GOLD"],
});
export const TierKindSchema = Type.Union([Type.Literal("free"), Type.Literal("paid")]);
export const WindowKindSchema = Type.Union([
  Type.Literal("calendar_year"),
  Type.Literal("rolling_12_months"),
]);
export const PlanDurationSchema = Type.Union([
  Type.Literal("month"),
  Type.Literal("season"),
  Type.Literal("year"),
]);
export const SubscriptionStatusSchema = Type.Union([
  Type.Literal("trial"),
  Type.Literal("active"),
  Type.Literal("cancelled"),
  Type.Literal("expired"),
]);

export const ThresholdsSchema = Type.Object(
  {
    growth: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: "growth value" })),
    spend_minor: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000_000_000,
        description: "paid less refunded, minor units",
      }),
    ),
    orders: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: "orders not fully refunded" }),
    ),
  },
  { additionalProperties: false, description: "Reaching any one of these within the window is enough" },
);
export type Thresholds = Static<typeof ThresholdsSchema>;

export const QualificationSchema = Type.Object(
  {
    reach: Type.Optional(ThresholdsSchema),
    retain: Type.Optional(
      Type.Object(ThresholdsSchema.properties, {
        additionalProperties: false,
        description: "Lower thresholds that also keep the tier at its review; meeting reach always keeps it",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "Free tiers only. The lowest free tier is every member's starting tier and has none.",
  },
);
export type Qualification = Static<typeof QualificationSchema>;

export const GiftSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, examples: ["Second item half price"] }),
    coupon_template: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "Code of the coupon template to issue" }),
    ),
    points: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type Gift = Static<typeof GiftSchema>;

const benefitFields = {
  points_multiplier: Type.Number({ minimum: 1, maximum: 10, description: "2 = double points" }),
  discount_percent: Type.Number({ minimum: 0, maximum: 90, description: "10 = 10% off (九折)" }),
  member_price: Type.Boolean({ description: "Sees member prices" }),
  free_shipping: Type.Boolean(),
  birthday_gift: Nullable(GiftSchema),
  upgrade_gift: Nullable(GiftSchema),
};

export const BenefitsSchema = Type.Object(benefitFields, { additionalProperties: false });
export type Benefits = Static<typeof BenefitsSchema>;

export const BenefitsInput = Type.Object(
  {
    points_multiplier: Type.Optional(benefitFields.points_multiplier),
    discount_percent: Type.Optional(benefitFields.discount_percent),
    member_price: Type.Optional(benefitFields.member_price),
    free_shipping: Type.Optional(benefitFields.free_shipping),
    birthday_gift: Type.Optional(benefitFields.birthday_gift),
    upgrade_gift: Type.Optional(benefitFields.upgrade_gift),
  },
  { additionalProperties: false, description: "On update, only the benefits given change" },
);
export type BenefitsPatch = Static<typeof BenefitsInput>;

// ——— tiers ———

export const TierSchema = Type.Object({
  tier_id: Type.String({ examples: ["tier_01jd7x4qz8f3s9v2k6m1n0p5r7"] }),
  code: Type.String(),
  name: Type.String(),
  rank: Type.Integer({ description: "Higher is better, across free and paid tiers" }),
  kind: TierKindSchema,
  qualification: QualificationSchema,
  benefits: BenefitsSchema,
  created_at: DateTimeString,
  updated_at: DateTimeString,
});

const RankSchema = Type.Integer({ minimum: 0, maximum: 10_000 });
const NameSchema = Type.String({ minLength: 1, maxLength: 100 });

export const TierCreateBody = Type.Object(
  {
    code: TierCodeSchema,
    name: NameSchema,
    rank: RankSchema,
    kind: TierKindSchema,
    qualification: Type.Optional(QualificationSchema),
    benefits: Type.Optional(BenefitsInput),
  },
  { additionalProperties: false },
);

export const TierPatchBody = Type.Object(
  {
    name: Type.Optional(NameSchema),
    rank: Type.Optional(RankSchema),
    qualification: Type.Optional(QualificationSchema),
    benefits: Type.Optional(BenefitsInput),
  },
  { additionalProperties: false, description: "qualification is replaced whole; benefits are merged" },
);

export const TierIdParams = Type.Object({ tier_id: Type.String({ minLength: 1, maxLength: 64 }) });

export const TierProgramSchema = Type.Object(
  {
    window: WindowKindSchema,
    grace_days: Type.Integer({
      minimum: 0,
      maximum: 365,
      description: "Days after a failed review in which the member can still keep the tier",
    }),
    max_steps_down: Type.Integer({
      minimum: 1,
      maximum: 20,
      description: "Tiers one review may lower a member",
    }),
  },
  { additionalProperties: false },
);
export type TierProgram = Static<typeof TierProgramSchema>;

export const TierProgramPatch = Type.Object(
  {
    window: Type.Optional(TierProgramSchema.properties.window),
    grace_days: Type.Optional(TierProgramSchema.properties.grace_days),
    max_steps_down: Type.Optional(TierProgramSchema.properties.max_steps_down),
  },
  { additionalProperties: false },
);

export const TierBriefSchema = Type.Object({
  tier_id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  rank: Type.Integer(),
  kind: TierKindSchema,
});

export const DistributionSchema = Type.Object({
  members_total: Type.Integer(),
  items: Type.Array(
    Type.Object({
      ...TierBriefSchema.properties,
      members: Type.Integer({ description: "Free tiers: members on it; paid tiers: live subscribers" }),
    }),
  ),
});

// ——— paid plans and subscriptions ———

export const PlanSchema = Type.Object({
  plan_id: Type.String(),
  tier_id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  price_minor: Type.Integer(),
  duration: PlanDurationSchema,
  trial_days: Type.Integer(),
  active: Type.Boolean(),
  created_at: DateTimeString,
});

export const PlanCreateBody = Type.Object(
  {
    tier_id: Type.String({ minLength: 1, maxLength: 64, description: "A paid tier" }),
    code: TierCodeSchema,
    name: NameSchema,
    price_minor: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    duration: PlanDurationSchema,
    trial_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PlanPatchBody = Type.Object(
  {
    name: Type.Optional(NameSchema),
    price_minor: Type.Optional(PlanCreateBody.properties.price_minor),
    trial_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })),
    active: Type.Optional(Type.Boolean({ description: "Retired plans take no new subscriptions" })),
  },
  { additionalProperties: false },
);

export const PlanIdParams = Type.Object({ plan_id: Type.String({ minLength: 1, maxLength: 64 }) });

export const SubscriptionSchema = Type.Object({
  subscription_id: Type.String(),
  member_id: Type.String(),
  plan_id: Type.String(),
  plan_code: Type.String(),
  tier_id: Type.String(),
  tier_code: Type.String(),
  status: SubscriptionStatusSchema,
  external_id: Nullable(Type.String()),
  starts_at: DateTimeString,
  ends_at: DateTimeString,
  created_at: DateTimeString,
  updated_at: DateTimeString,
});

export const SubscriptionCreateBody = Type.Object(
  {
    external_id: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "The payment system's id: the same id twice records one subscription",
    }),
    plan_id: Type.String({ minLength: 1, maxLength: 64 }),
    starts_at: Type.Optional(
      Type.String({
        format: "date-time",
        description: "Defaults to now, or to the end of the member's current term of the same tier",
      }),
    ),
    trial: Type.Optional(Type.Boolean({ description: "A free trial of the plan's trial_days" })),
  },
  { additionalProperties: false },
);

export const RenewBody = Type.Object(
  { periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 36, description: "Plan durations to add" })) },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export const SubscriptionParams = Type.Object({
  member_id: Type.String({ minLength: 1, maxLength: 64 }),
  subscription_id: Type.String({ minLength: 1, maxLength: 64 }),
});

// ——— a member's standing ———

const ThresholdProgress = Type.Object({
  metric: Type.Union([Type.Literal("growth"), Type.Literal("spend_minor"), Type.Literal("orders")]),
  threshold: Type.Integer(),
  current: Type.Integer(),
  needed: Type.Integer(),
});

export const MemberTierSchema = Type.Object({
  member_id: Type.String(),
  tier: Nullable(TierBriefSchema),
  source: Nullable(TierKindSchema),
  benefits: BenefitsSchema,
  free: Type.Object({
    tier: Nullable(TierBriefSchema),
    achieved_at: Nullable(DateTimeString),
    review_at: Nullable(DateTimeString),
    grace_until: Nullable(DateTimeString),
  }),
  paid: Nullable(
    Type.Object({
      tier: TierBriefSchema,
      subscription_id: Type.String(),
      plan_code: Type.String(),
      status: SubscriptionStatusSchema,
      ends_at: DateTimeString,
    }),
  ),
  progress: Type.Object({
    window: Type.Object({
      kind: WindowKindSchema,
      starts_at: DateTimeString,
      ends_at: Nullable(DateTimeString),
    }),
    growth: Type.Integer(),
    spend_minor: Type.Integer(),
    orders: Type.Integer(),
  }),
  distance_to_next: Nullable(
    Type.Object({
      next_tier: Type.String({ description: "code" }),
      next_tier_name: Type.String(),
      metric: ThresholdProgress.properties.metric,
      needed: Type.Integer(),
      window_ends_at: Nullable(DateTimeString),
      options: Type.Array(ThresholdProgress),
    }),
  ),
  to_keep: Nullable(
    Type.Object({
      tier: Type.String({ description: "code" }),
      by: DateTimeString,
      metric: ThresholdProgress.properties.metric,
      needed: Type.Integer(),
      options: Type.Array(ThresholdProgress),
    }),
  ),
});
