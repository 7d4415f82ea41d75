import { type Static, Type } from "typebox";

/**
 * The coupon language as schemas: they validate API input, type the pure rules and write the OpenAPI document,
 * so there is one description of what a coupon can be.
 */

export const MINOR_MAX = 100_000_000_000;
const Minor = (description: string) => Type.Integer({ minimum: 0, maximum: MINOR_MAX, description });
const Percent = (description: string) => Type.Integer({ minimum: 1, maximum: 100, description });
const Sku = Type.String({ minLength: 1, maxLength: 64 });
export const CodeSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: "^[A-Za-z0-9_.-]+$",
  description: "The brand's own short code, unique in the brand",
});

// ——— what a coupon gives ———

export const BenefitSchema = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal("amount_off"),
        amount_minor: Type.Integer({ minimum: 1, maximum: MINOR_MAX, description: "2000 = 20 yuan off" }),
      },
      {
        additionalProperties: false,
        description: "满减: a fixed amount off (set conditions.min_spend_minor for the threshold)",
      },
    ),
    Type.Object(
      {
        kind: Type.Literal("percent_off"),
        percent: Percent("15 = 15% off"),
        max_discount_minor: Type.Optional(Minor("The most it takes off")),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        kind: Type.Literal("nth_item"),
        nth: Type.Integer({ minimum: 2, maximum: 10, description: "2 = every second item" }),
        percent: Percent("50 = half price"),
        max_applications: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      },
      {
        additionalProperties: false,
        description:
          "Every nth eligible unit at a discount; units are ranked by price, dearest first, so the cheaper units get it",
      },
    ),
    Type.Object(
      {
        kind: Type.Literal("free_item"),
        skus: Type.Array(Sku, {
          minItems: 1,
          maxItems: 100,
          description: "The gift SKUs; the cart must carry one",
        }),
        quantity: Type.Integer({ minimum: 1, maximum: 100 }),
        max_value_minor: Type.Optional(Minor("Most value given per free unit")),
      },
      {
        additionalProperties: false,
        description: "The gift SKU free: its dearest units in the cart, up to quantity",
      },
    ),
    Type.Object(
      { kind: Type.Literal("free_shipping"), max_minor: Type.Optional(Minor("Most shipping it covers")) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        kind: Type.Literal("fixed_price"),
        skus: Type.Array(Sku, { minItems: 1, maxItems: 1000 }),
        price_minor: Minor("The exclusive unit price"),
        max_units: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      },
      { additionalProperties: false, description: "A member or fan exclusive price for these SKUs" },
    ),
  ],
  { description: "What the coupon takes off" },
);
export type Benefit = Static<typeof BenefitSchema>;
export type BenefitKind = Benefit["kind"];

// ——— where it applies ———

export const ConditionsSchema = Type.Object(
  {
    skus: Type.Optional(
      Type.Array(Sku, { maxItems: 1000, description: "Only these SKUs count and are discounted" }),
    ),
    categories: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 })),
    exclude_skus: Type.Optional(Type.Array(Sku, { maxItems: 1000 })),
    channels: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 50 })),
    stores: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500 })),
    tiers: Type.Optional(
      Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20, description: "Tier codes" }),
    ),
    min_spend_minor: Type.Optional(
      Minor("The eligible items must reach this, after member prices, the member discount and item coupons"),
    ),
  },
  { additionalProperties: false, description: "Every given condition must hold; an absent one holds always" },
);
export type Conditions = Static<typeof ConditionsSchema>;

// ——— how long it lasts ———

export const ValiditySchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal("fixed"),
      starts_at: Type.String({ format: "date-time" }),
      ends_at: Type.String({ format: "date-time" }),
    },
    { additionalProperties: false, description: "One window for every coupon issued" },
  ),
  Type.Object(
    {
      kind: Type.Literal("relative"),
      days: Type.Integer({ minimum: 1, maximum: 3650 }),
      starts_after_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    },
    {
      additionalProperties: false,
      description:
        "From issue (or the start of the brand-local day starts_after_days later) to the end of the day `days` after issue",
    },
  ),
]);
export type Validity = Static<typeof ValiditySchema>;

export const StackingSchema = Type.Object(
  {
    group: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: "At most one coupon per group in a checkout. Default by kind: item, order or shipping",
      }),
    ),
    exclusive: Type.Optional(Type.Boolean({ description: "Used alone: combines with no other coupon" })),
    with_member_discount: Type.Optional(
      Type.Boolean({
        description: "False: the tier's percent discount does not apply when this coupon is used",
      }),
    ),
  },
  { additionalProperties: false },
);

// ——— templates and packs ———

const templateLimits = {
  max_issued: Type.Optional(
    Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()], {
      description: "Quantity budget",
    }),
  ),
  budget_minor: Type.Optional(Type.Union([Minor("Money budget: discounts granted, at most"), Type.Null()])),
  per_member_limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000 }), Type.Null()])),
  claimable: Type.Optional(
    Type.Boolean({ description: "Members may claim it themselves (an article's coupon)" }),
  ),
  staff_issuable: Type.Optional(
    Type.Boolean({ description: "Store managers and guides may issue it to their members" }),
  ),
};

export const TemplateBody = Type.Object(
  {
    code: CodeSchema,
    name: Type.String({ minLength: 1, maxLength: 100, examples: ["Spend 148 get 20 off"] }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    benefit: BenefitSchema,
    conditions: Type.Optional(ConditionsSchema),
    validity: ValiditySchema,
    stacking: Type.Optional(StackingSchema),
    ...templateLimits,
  },
  { additionalProperties: false },
);
export type TemplateInput = Static<typeof TemplateBody>;

export const TemplatePatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    active: Type.Optional(
      Type.Boolean({ description: "False stops issuing; coupons already issued stay usable" }),
    ),
    ...templateLimits,
  },
  {
    additionalProperties: false,
    description: "What a coupon gives, where and how it stacks never changes: make a new template",
  },
);
export type TemplatePatch = Static<typeof TemplatePatchBody>;

export const TemplateSchema = Type.Object({
  template_id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  benefit: BenefitSchema,
  conditions: ConditionsSchema,
  validity: ValiditySchema,
  stacking: Type.Object({
    group: Type.String(),
    exclusive: Type.Boolean(),
    with_member_discount: Type.Boolean(),
  }),
  max_issued: Type.Union([Type.Integer(), Type.Null()]),
  budget_minor: Type.Union([Type.Integer(), Type.Null()]),
  discount_granted_minor: Type.Integer(),
  per_member_limit: Type.Union([Type.Integer(), Type.Null()]),
  claimable: Type.Boolean(),
  staff_issuable: Type.Boolean(),
  active: Type.Boolean(),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const PackItemSchema = Type.Object(
  {
    template_id: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 20 }),
  },
  { additionalProperties: false },
);
export type PackItem = Static<typeof PackItemSchema>;

export const PackBody = Type.Object(
  {
    code: CodeSchema,
    name: Type.String({ minLength: 1, maxLength: 100, examples: ["Newcomer pack"] }),
    items: Type.Array(PackItemSchema, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);

export const PackSchema = Type.Object({
  pack_id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  items: Type.Array(Type.Object({ template_id: Type.String(), quantity: Type.Integer() })),
  active: Type.Boolean(),
  created_at: Type.String({ format: "date-time" }),
});

// ——— the cart ———

export const CartLineSchema = Type.Object(
  {
    sku: Sku,
    category: Type.Optional(Type.String({ maxLength: 64 })),
    quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
    unit_price_minor: Minor("List price of one unit"),
    member_unit_price_minor: Type.Optional(
      Minor("The member price of one unit, for tiers with member prices"),
    ),
  },
  { additionalProperties: false },
);

export const CartSchema = Type.Object(
  {
    currency: Type.String({ pattern: "^[A-Z]{3}$" }),
    channel: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: "^[a-z0-9_.-]+$",
      examples: ["mini_program", "pos"],
    }),
    store_id: Type.Optional(Type.String({ maxLength: 64 })),
    lines: Type.Array(CartLineSchema, { minItems: 1, maxItems: 200 }),
    shipping_minor: Type.Optional(Minor("Shipping charged")),
  },
  { additionalProperties: false },
);
export type CartInput = Static<typeof CartSchema>;

// ——— brand settings ———

export const PointsPaymentSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    points_per_unit: Type.Integer({ minimum: 1, maximum: 1_000_000, description: "100 points …" }),
    unit_minor: Type.Integer({ minimum: 1, maximum: 1_000_000, description: "… pay 100 fen (1 yuan)" }),
    max_percent: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: "Points pay at most this share of what is due",
    }),
  },
  { additionalProperties: false },
);
export type PointsPaymentPolicy = Static<typeof PointsPaymentSchema>;

export const CouponSettingsSchema = Type.Object(
  {
    newcomer_pack: Type.Union([CodeSchema, Type.Null()], {
      description: "Pack code issued to every member who joins",
    }),
    hold_minutes: Type.Integer({ minimum: 1, maximum: 1440, description: "How long a checkout hold lasts" }),
    points_payment: PointsPaymentSchema,
    cancel_restores_coupons: Type.Boolean({
      description: "A cancelled or fully refunded checkout gives its coupons back",
    }),
    cancel_restores_points: Type.Boolean({
      description: "A cancelled or refunded checkout gives its points back",
    }),
  },
  { additionalProperties: false },
);
export type CouponSettings = Static<typeof CouponSettingsSchema>;
