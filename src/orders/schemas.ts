import { Type } from "typebox";
import { IdentitySchema } from "../members/schemas.ts";

const Minor = (description: string) => Type.Integer({ minimum: 0, maximum: 100_000_000_000, description });

export const MemberRefSchema = Type.Union(
  [
    Type.Object({ member_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    Type.Object({ phone: Type.String({ minLength: 3, maxLength: 32 }) }, { additionalProperties: false }),
    Type.Object({ identity: IdentitySchema }, { additionalProperties: false }),
  ],
  {
    description:
      "Who bought: our member id, a phone (an unknown phone creates a prospect or holds the order, per the program), or an identity such as a POS card",
  },
);

export const OrderLineSchema = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    category: Type.Optional(Type.String({ maxLength: 64 })),
    quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
    unit_price_minor: Minor("Price of one unit before discounts, in minor units (fen)"),
    discount_minor: Type.Optional(Minor("Discount on this line")),
  },
  { additionalProperties: false },
);

export const OrderBody = Type.Object(
  {
    channel: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: "^[a-z0-9_.-]+$",
      examples: ["pos", "mini_program", "tmall", "shopify"],
    }),
    external_id: Type.String({
      minLength: 1,
      maxLength: 128,
      description: "The order's id in its channel; with the channel, the idempotency key that never expires",
    }),
    member: MemberRefSchema,
    store_id: Type.Optional(Type.String({ maxLength: 64 })),
    guide_id: Type.Optional(Type.String({ maxLength: 64 })),
    currency: Type.String({ pattern: "^[A-Z]{3}$" }),
    ordered_at: Type.String({ format: "date-time" }),
    lines: Type.Array(OrderLineSchema, { minItems: 1, maxItems: 200 }),
    discount_minor: Type.Optional(Minor("Order-level discount (coupons, promotions)")),
    shipping_minor: Type.Optional(Minor("Shipping charged; earns no points")),
    paid_minor: Minor("What the customer paid: lines − discounts + shipping"),
  },
  { additionalProperties: false },
);

export const IngestResultSchema = Type.Object({
  order_id: Type.String(),
  channel: Type.String(),
  external_id: Type.String(),
  created: Type.Boolean({ description: "False when this order was already known: nothing was earned again" }),
  status: Type.String(),
  member_id: Type.Union([Type.String(), Type.Null()]),
  points_earned: Type.Integer(),
  growth_earned: Type.Integer(),
  points_pending: Type.Boolean(),
  earn_note: Type.Union([Type.String(), Type.Null()]),
});

export const RefundBody = Type.Object(
  {
    external_id: Type.String({
      minLength: 1,
      maxLength: 128,
      description: "The refund's id in its channel: the same refund twice is one refund",
    }),
    amount_minor: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000_000 })),
    lines: Type.Optional(
      Type.Array(
        Type.Object(
          { line_no: Type.Integer({ minimum: 1 }), quantity: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
        { maxItems: 200 },
      ),
    ),
    refunded_at: Type.Optional(Type.String({ format: "date-time" })),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const OrderSchema = Type.Object({
  order_id: Type.String(),
  channel: Type.String(),
  external_id: Type.String(),
  member_id: Nullable(Type.String()),
  store_id: Nullable(Type.String()),
  guide_id: Nullable(Type.String()),
  status: Type.String(),
  currency: Type.String(),
  items_minor: Type.Integer(),
  discount_minor: Type.Integer(),
  shipping_minor: Type.Integer(),
  paid_minor: Type.Integer(),
  refunded_minor: Type.Integer(),
  points_earned: Type.Integer(),
  growth_earned: Type.Integer(),
  earn_note: Nullable(Type.String()),
  ordered_at: Type.String({ format: "date-time" }),
  completes_at: Type.String({ format: "date-time" }),
  completed_at: Nullable(Type.String({ format: "date-time" })),
  created_at: Type.String({ format: "date-time" }),
  lines: Type.Optional(
    Type.Array(
      Type.Object({
        line_no: Type.Integer(),
        sku: Type.String(),
        name: Nullable(Type.String()),
        category: Nullable(Type.String()),
        quantity: Type.Integer(),
        unit_price_minor: Type.Integer(),
        discount_minor: Type.Integer(),
        refunded_quantity: Type.Integer(),
      }),
    ),
  ),
  refunds: Type.Optional(
    Type.Array(
      Type.Object({
        refund_id: Type.String(),
        external_id: Type.String(),
        amount_minor: Type.Integer(),
        lines: Type.Array(Type.Object({ line_no: Type.Integer(), quantity: Type.Integer() })),
        points_reversed: Type.Integer(),
        refunded_at: Type.String({ format: "date-time" }),
      }),
    ),
  ),
});
