import { type Static, type TSchema, Type } from "typebox";
import { CodeSchema, MINOR_MAX } from "../schemas.ts";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Kind = Type.Union([Type.Literal("coupon"), Type.Literal("physical"), Type.Literal("voucher")]);
const Tiers = Nullable(
  Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
    minItems: 1,
    maxItems: 20,
    description: "Tier codes that may redeem; null: everyone",
  }),
);

export const RewardBody = Type.Object(
  {
    code: CodeSchema,
    name: Type.String({ minLength: 1, maxLength: 100, examples: ["Pecan gift box"] }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    kind: Kind,
    coupon_template_code: Type.Optional(CodeSchema),
    price_points: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    price_cash_minor: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MINOR_MAX,
        description: "Points + cash: the cash part, taken by the brand's checkout",
      }),
    ),
    stock: Type.Optional(
      Nullable(Type.Integer({ minimum: 0, maximum: 100_000_000, description: "null: unlimited" })),
    ),
    per_member_limit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000 }))),
    tiers: Type.Optional(Tiers),
  },
  { additionalProperties: false },
);
export type RewardInput = Static<typeof RewardBody>;

export const RewardPatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    price_points: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
    price_cash_minor: Type.Optional(Type.Integer({ minimum: 0, maximum: MINOR_MAX })),
    add_stock: Type.Optional(
      Type.Integer({
        minimum: -100_000_000,
        maximum: 100_000_000,
        description: "Added to what is left (negative removes); stock never goes below zero",
      }),
    ),
    unlimited_stock: Type.Optional(Type.Boolean({ description: "True drops the stock limit" })),
    per_member_limit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000 }))),
    tiers: Type.Optional(Tiers),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RewardPatch = Static<typeof RewardPatchBody>;

export const RewardSchema = Type.Object({
  reward_id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  kind: Kind,
  coupon_template_id: Nullable(Type.String()),
  price_points: Type.Integer(),
  price_cash_minor: Type.Integer(),
  stock_left: Nullable(Type.Integer()),
  per_member_limit: Nullable(Type.Integer()),
  tiers: Nullable(Type.Array(Type.String())),
  active: Type.Boolean(),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const AddressSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.String({ minLength: 3, maxLength: 32 }),
    region: Type.Optional(Type.String({ maxLength: 100, examples: ["上海市 浦东新区"] })),
    address_line: Type.String({ minLength: 1, maxLength: 300 }),
    postal_code: Type.Optional(Type.String({ maxLength: 20 })),
  },
  { additionalProperties: false, description: "Where physical goods go; kept on the redemption as given" },
);
export type Address = Static<typeof AddressSchema>;

export const RedeemBody = Type.Object(
  {
    reward_code: CodeSchema,
    reference: Type.String({
      minLength: 1,
      maxLength: 128,
      description: "Your id for this redemption: the same reference again redeems nothing",
    }),
    shipping_address: Type.Optional(AddressSchema),
  },
  { additionalProperties: false },
);

export const BrandRedeemBody = Type.Object(
  {
    ...RedeemBody.properties,
    cash_payment_reference: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: "The brand's payment for the cash part; required when the reward has one",
      }),
    ),
  },
  { additionalProperties: false },
);

export const RedemptionSchema = Type.Object({
  redemption_id: Type.String(),
  reward_id: Type.String(),
  reward_code: Type.String(),
  reward_name: Type.String(),
  kind: Kind,
  member_id: Type.String(),
  reference: Type.String(),
  points_spent: Type.Integer(),
  cash_minor: Type.Integer(),
  cash_payment_reference: Nullable(Type.String()),
  status: Type.Union([
    Type.Literal("fulfilled"),
    Type.Literal("pending_fulfilment"),
    Type.Literal("shipped"),
    Type.Literal("delivered"),
    Type.Literal("cancelled"),
  ]),
  coupon_id: Nullable(Type.String()),
  voucher_code: Nullable(Type.String()),
  shipping_address: Nullable(AddressSchema),
  tracking_no: Nullable(Type.String()),
  carrier: Nullable(Type.String({ description: "Who carries it, as given when shipped" })),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
  replayed: Type.Boolean(),
});

/** A redemption in the brand's list: who it is for, so a fulfilment screen needs no look-up per row. */
export const BrandRedemptionSchema = Type.Object({
  ...RedemptionSchema.properties,
  member_name: Nullable(
    Type.String({ description: "The member's display name; null when they gave none or were erased" }),
  ),
  member_card_no: Nullable(
    Type.String({ description: "The member's card number; null if the record is gone" }),
  ),
});

export const FulfilmentBody = Type.Object(
  {
    status: Type.Union([Type.Literal("shipped"), Type.Literal("delivered"), Type.Literal("cancelled")]),
    tracking_no: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 50, examples: ["SF Express"] })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
