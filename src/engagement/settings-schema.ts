import { type Static, Type } from "typebox";

/** A coupon template or pack, by its code (the coupons capability's codes). */
export const CouponCode = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" });

const Points = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000, description });

/** Points and/or a coupon: what every engagement reward is. */
export const RewardSchema = Type.Object(
  {
    points: Points("Points granted (0 for none)"),
    coupon: Type.Union([CouponCode, Type.Null()], { description: "A coupon template or pack code, or null" }),
  },
  { additionalProperties: false },
);
export type Reward = Static<typeof RewardSchema>;

export const CheckinSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    daily_points: Points("Points for every regular check-in"),
    streak_rewards: Type.Array(
      Type.Object(
        {
          days: Type.Integer({ minimum: 2, maximum: 366, description: "Consecutive days reached" }),
          points: Points("Points on reaching it"),
          coupon: Type.Union([CouponCode, Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { maxItems: 20, description: "Paid once per streak when it reaches `days` (e.g. 3, 7, 30)" },
    ),
    makeup: Type.Object(
      {
        enabled: Type.Boolean(),
        cost_points: Points("What a make-up check-in costs"),
        max_days_back: Type.Integer({
          minimum: 1,
          maximum: 31,
          description: "How far back a missed day may be made up",
        }),
        max_per_month: Type.Integer({
          minimum: 0,
          maximum: 31,
          description: "Make-ups per brand-local month",
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CheckinSettings = Static<typeof CheckinSettingsSchema>;

export const ReferralSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    bind_window_days: Type.Integer({
      minimum: 0,
      maximum: 90,
      description: "A new member may name their inviter this many days after joining",
    }),
    on_join: Type.Object(
      { inviter: RewardSchema, invitee: RewardSchema },
      {
        additionalProperties: false,
        description: "Rewards when the invitee's referral is bound (they joined)",
      },
    ),
    on_first_order: Type.Object(
      {
        inviter: RewardSchema,
        invitee: RewardSchema,
        min_paid_minor: Type.Integer({
          minimum: 0,
          description: "The first order must reach this paid amount",
        }),
        when: Type.Union([Type.Literal("created"), Type.Literal("completed")], {
          description: "Reward when the order arrives, or when it completes (its return window passed)",
        }),
      },
      { additionalProperties: false },
    ),
    max_rewarded_per_inviter_per_month: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      description: "Inviter rewards per brand-local month (each join or first order counts one)",
    }),
  },
  { additionalProperties: false },
);
export type ReferralSettings = Static<typeof ReferralSettingsSchema>;

export const MemberDaySettingsSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    day_of_month: Type.Integer({
      minimum: 1,
      maximum: 28,
      description: "The brand-local day of every month (1–28, so that every month has one)",
    }),
    points_multiplier: Type.Number({
      minimum: 1,
      maximum: 10,
      description: "Orders on member day earn this many times their base points (1: no extra)",
    }),
    coupons: Type.Array(CouponCode, {
      maxItems: 10,
      description: "Coupon templates members may claim on member day only, once each per month",
    }),
    /** The points earn rule this config maintains; set by the service, never by clients. */
    earn_rule_id: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type MemberDaySettings = Static<typeof MemberDaySettingsSchema>;

export const EngagementSettingsSchema = Type.Object(
  {
    checkin: CheckinSettingsSchema,
    referral: ReferralSettingsSchema,
    member_day: MemberDaySettingsSchema,
  },
  { additionalProperties: false },
);
export type EngagementSettings = Static<typeof EngagementSettingsSchema>;
