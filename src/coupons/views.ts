import { type TSchema, Type } from "typebox";
import type { CheckoutView } from "./checkout.ts";
import type { IssueResult } from "./issuance.ts";
import type { Pricing } from "./pricing.ts";
import type { PricingView, Quote } from "./quote.ts";
import { TemplateSchema } from "./schemas.ts";
import type { Pack, Template, TemplateStats } from "./templates.ts";
import { type Coupon, displayStatus } from "./wallet.ts";

/** What the coupon API answers: response schemas (they also write the OpenAPI document) and their serializers. */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTimeString = Type.String({ format: "date-time" });
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const serializeTemplate = (t: Template) => ({
  ...t,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});
export const serializePack = (p: Pack) => ({ ...p, created_at: p.created_at.toISOString() });

export const TemplateStatsSchema = Type.Object({
  issued: Type.Integer(),
  available: Type.Integer(),
  reserved: Type.Integer(),
  redeemed: Type.Integer(),
  revoked: Type.Integer(),
});
export const TemplateWithStatsSchema = Type.Object({
  ...TemplateSchema.properties,
  stats: TemplateStatsSchema,
});
export const serializeTemplateWithStats = (t: Template, stats: TemplateStats) => ({
  ...serializeTemplate(t),
  stats,
});

// ——— coupons ———

export const CouponSchema = Type.Object({
  coupon_id: Type.String(),
  code: Type.String({
    description: "Printed as a QR code or Code 128 barcode; scanning it finds the coupon",
  }),
  member_id: Type.String(),
  status: Type.Union([
    Type.Literal("available"),
    Type.Literal("reserved"),
    Type.Literal("redeemed"),
    Type.Literal("revoked"),
    Type.Literal("expired"),
  ]),
  template_id: Type.String(),
  template_code: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  benefit: TemplateSchema.properties.benefit,
  conditions: TemplateSchema.properties.conditions,
  valid_from: DateTimeString,
  valid_until: DateTimeString,
  order_id: Nullable(Type.String()),
  discount_minor: Nullable(Type.Integer()),
  redeemed_at: Nullable(DateTimeString),
  issued_at: DateTimeString,
});

export function serializeCoupon(c: Coupon, now: Date) {
  return {
    coupon_id: c.coupon_id,
    code: c.code,
    member_id: c.member_id,
    status: displayStatus(c, now),
    template_id: c.template.template_id,
    template_code: c.template.code,
    name: c.template.name,
    description: c.template.description,
    benefit: c.template.benefit,
    conditions: c.template.conditions,
    valid_from: c.valid_from.toISOString(),
    valid_until: c.valid_until.toISOString(),
    order_id: c.order_id,
    discount_minor: c.discount_minor,
    redeemed_at: iso(c.redeemed_at),
    issued_at: c.issued_at.toISOString(),
  };
}

export const IssueResultSchema = Type.Object({
  issue_id: Type.String(),
  replayed: Type.Boolean({
    description: "True when this reference was issued before: nothing was issued again",
  }),
  members: Type.Integer(),
  issued: Type.Integer(),
  skipped_count: Type.Integer(),
  skipped: Type.Array(
    Type.Object({
      member_id: Type.String(),
      template_id: Type.String(),
      reason: Type.String({ examples: ["limit_reached", "budget_exhausted"] }),
    }),
    { description: "The first 200 members left out, and why" },
  ),
  coupons: Type.Array(
    Type.Object({
      coupon_id: Type.String(),
      code: Type.String(),
      template_id: Type.String(),
      member_id: Type.String(),
      valid_from: DateTimeString,
      valid_until: DateTimeString,
    }),
    { description: "The first 100 coupons issued" },
  ),
});

export const serializeIssue = (r: IssueResult) => ({
  ...r,
  coupons: r.coupons.map((c) => ({
    ...c,
    valid_from: c.valid_from.toISOString(),
    valid_until: c.valid_until.toISOString(),
  })),
});

// ——— pricing, quotes, checkouts ———

const PricingProperties = {
  coupon_ids: Type.Array(Type.String()),
  lines: Type.Array(
    Type.Object({
      line_no: Type.Integer(),
      sku: Type.String(),
      quantity: Type.Integer(),
      unit_price_minor: Type.Integer(),
      gross_minor: Type.Integer(),
      adjustments: Type.Array(
        Type.Object({
          source: Type.String({ examples: ["member_price", "member_discount", "coupon"] }),
          coupon_id: Nullable(Type.String()),
          amount_minor: Type.Integer(),
        }),
      ),
      net_minor: Type.Integer(),
    }),
  ),
  items_gross_minor: Type.Integer(),
  member_price_minor: Type.Integer({ description: "Taken off by member prices" }),
  member_discount_minor: Type.Integer({ description: "Taken off by the tier's percent discount" }),
  member_shipping_minor: Type.Integer({ description: "Shipping the tier covers" }),
  coupon_discount_minor: Type.Integer(),
  shipping_minor: Type.Integer(),
  discount_minor: Type.Integer({ description: "Everything taken off" }),
  total_due_minor: Type.Integer({ description: "Left to pay before points; never negative" }),
  coupons: Type.Array(
    Type.Object({
      coupon_id: Type.String(),
      code: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      discount_minor: Type.Integer(),
    }),
  ),
};
export const PricingSchema = Type.Object(PricingProperties);
const PricingViewSchema = Type.Object({
  ...PricingProperties,
  points_to_earn: Type.Integer({ description: "By the brand's earn rules, paying the rest in cash" }),
  growth_to_earn: Type.Integer(),
});

export const QuoteSchema = Type.Object({
  member_id: Type.String(),
  currency: Type.String(),
  tier: Type.Object({
    code: Nullable(Type.String()),
    discount_percent: Type.Number(),
    member_price: Type.Boolean(),
    free_shipping: Type.Boolean(),
  }),
  best: PricingViewSchema,
  selected: Nullable(PricingViewSchema),
  coupons: Type.Array(
    Type.Object({
      coupon_id: Type.String(),
      code: Type.String(),
      template_code: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      group: Type.String(),
      exclusive: Type.Boolean(),
      valid_until: DateTimeString,
      applicable: Type.Boolean(),
      discount_minor: Type.Integer({ description: "What it takes off used alone" }),
      saves_minor: Type.Integer({
        description:
          "How much less is due with it alone; lower than discount_minor when it turns the tier discount off",
      }),
      reason: Nullable(Type.String()),
      message: Nullable(Type.String()),
    }),
  ),
  almost: Type.Array(
    Type.Object({
      coupon_id: Type.String(),
      code: Type.String(),
      name: Type.String(),
      missing: Type.Union([
        Type.Object({ kind: Type.Literal("spend"), amount_minor: Type.Integer() }),
        Type.Object({ kind: Type.Literal("items"), quantity: Type.Integer() }),
        Type.Object({ kind: Type.Literal("sku"), skus: Type.Array(Type.String()) }),
      ]),
      message: Type.String({ examples: ["12.00 more for Spend 148 get 20 off"] }),
    }),
  ),
  points_payment: Type.Object({
    enabled: Type.Boolean(),
    points_per_unit: Type.Integer(),
    unit_minor: Type.Integer(),
    max_percent: Type.Integer(),
    step_points: Type.Integer(),
    step_minor: Type.Integer(),
    available_points: Type.Integer(),
    max_points: Type.Integer({
      description: "The most points usable on this order (of the selected or best set)",
    }),
    max_value_minor: Type.Integer(),
  }),
  payable_minor: Type.Integer({ description: "Left to pay for the selected (else best) set, before points" }),
});

const serializePricingView = (p: PricingView) => p;
export function serializeQuote(q: Quote) {
  return {
    ...q,
    best: serializePricingView(q.best),
    selected: q.selected ? serializePricingView(q.selected) : null,
    coupons: q.coupons.map((c) => ({ ...c, valid_until: c.valid_until.toISOString() })),
  };
}

export const CheckoutSchema = Type.Object({
  checkout_id: Type.String(),
  order_id: Type.String(),
  member_id: Type.String(),
  status: Type.Union([
    Type.Literal("held"),
    Type.Literal("committed"),
    Type.Literal("released"),
    Type.Literal("cancelled"),
    Type.Literal("refunded"),
  ]),
  currency: Type.String(),
  coupons: PricingProperties.coupons,
  discount_minor: Type.Integer(),
  total_due_minor: Type.Integer(),
  points_used: Type.Integer(),
  points_value_minor: Type.Integer(),
  payable_minor: Type.Integer({ description: "What the member pays in money; never negative" }),
  points_to_earn: Type.Integer(),
  refunded_minor: Type.Integer(),
  points_restored: Type.Integer(),
  hold_until: Nullable(DateTimeString),
  committed_at: Nullable(DateTimeString),
  ended_at: Nullable(DateTimeString),
  pricing: Nullable(PricingSchema),
  replayed: Type.Boolean({
    description: "True when this order was committed before: nothing was taken again",
  }),
});

export const serializeCheckout = (c: CheckoutView) => ({
  ...c,
  pricing: c.pricing satisfies Pricing | null,
  hold_until: iso(c.hold_until),
  committed_at: iso(c.committed_at),
  ended_at: iso(c.ended_at),
});
