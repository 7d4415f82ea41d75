import { type Static, Type } from "typebox";
import { invalidField } from "../../platform/http/problems.ts";
import type { LineInput } from "../rules.ts";
import { parseMinor } from "./money.ts";
import {
  assertAddsUp,
  checkPayload,
  clip,
  type MappedOrder,
  type MappedRefund,
  parseInstant,
} from "./payload.ts";

/**
 * Shopify webhook payloads (REST shape, as sent to `orders/create`, `orders/paid` and `refunds/create`) mapped to
 * our orders and refunds. Pure: no IO. Amounts are the shop-currency strings (`price`, `total_price`…).
 */

export const SHOPIFY_CHANNEL = "shopify";
export const SHOPIFY_ORDER_TOPICS = new Set(["orders/create", "orders/paid"]);
export const SHOPIFY_REFUND_TOPIC = "refunds/create";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Optional(Type.Union([Type.Null(), t]));
// Shopify ids are 64-bit; REST payloads carry them as JSON numbers, some tools re-send them as strings.
const Id = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 64 })]);
const Amount = Type.String({ maxLength: 32 });
const Allocations = Type.Optional(Type.Array(Type.Object({ amount: Amount })));
const Phone = Nullable(Type.String({ maxLength: 64 }));

const ShopifyRefund = Type.Object({
  id: Id,
  order_id: Id,
  created_at: Nullable(Type.String()),
  processed_at: Nullable(Type.String()),
  note: Nullable(Type.String()),
  transactions: Type.Array(
    Type.Object({
      kind: Type.String(),
      status: Nullable(Type.String()),
      amount: Amount,
      currency: Nullable(Type.String({ pattern: "^[A-Z]{3}$" })),
    }),
  ),
});

const ShopifyOrder = Type.Object({
  id: Id,
  currency: Type.String({ pattern: "^[A-Z]{3}$" }),
  created_at: Type.String(),
  processed_at: Nullable(Type.String()),
  cancelled_at: Nullable(Type.String()),
  financial_status: Nullable(Type.String()),
  taxes_included: Nullable(Type.Boolean()),
  total_price: Amount,
  total_tax: Nullable(Amount),
  total_discounts: Nullable(Amount),
  total_tip_received: Nullable(Amount),
  total_shipping_price_set: Nullable(Type.Object({ shop_money: Type.Object({ amount: Amount }) })),
  shipping_lines: Nullable(Type.Array(Type.Object({ price: Amount, discount_allocations: Allocations }))),
  phone: Phone,
  customer: Nullable(Type.Object({ id: Id, phone: Phone })),
  billing_address: Nullable(Type.Object({ phone: Phone })),
  shipping_address: Nullable(Type.Object({ phone: Phone })),
  line_items: Type.Array(
    Type.Object({
      id: Id,
      sku: Nullable(Type.String()),
      name: Nullable(Type.String()),
      title: Nullable(Type.String()),
      variant_id: Nullable(Id),
      product_id: Nullable(Id),
      quantity: Type.Integer({ minimum: 0, maximum: 100_000 }),
      price: Amount,
      discount_allocations: Allocations,
    }),
  ),
  refunds: Nullable(Type.Array(ShopifyRefund)),
});

/** Paid states: an order still pending or only authorized earns when `orders/paid` brings it. */
const PAID_STATES = new Set(["paid", "partially_refunded", "refunded"]);

export type ShopifyOrderEvent =
  { kind: "order"; mapped: MappedOrder; refunds: MappedRefund[] } | { kind: "ignored"; reason: string };

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** An `orders/create` or `orders/paid` payload: the order to ingest and the refunds it already carries. */
export function mapShopifyOrder(payload: unknown): ShopifyOrderEvent {
  const o = checkPayload(ShopifyOrder, payload);
  if (o.cancelled_at) return { kind: "ignored", reason: "the order is cancelled" };
  if (o.financial_status && !PAID_STATES.has(o.financial_status))
    return { kind: "ignored", reason: `the order is ${o.financial_status}, not paid yet` };
  const cur = o.currency;
  const money = (value: string | null | undefined, field: string) =>
    value ? parseMinor(value, cur, field) : 0;

  const lines: LineInput[] = [];
  let lineAllocations = 0;
  o.line_items.forEach((item, i) => {
    // A line edited down to nothing carries no money; our lines need at least one unit.
    if (item.quantity === 0) return;
    const at = `/line_items/${i}`;
    const unit = parseMinor(item.price, cur, `${at}/price`);
    const discount = sum(
      (item.discount_allocations ?? []).map((a, k) =>
        parseMinor(a.amount, cur, `${at}/discount_allocations/${k}/amount`),
      ),
    );
    if (discount > unit * item.quantity)
      throw invalidField(
        `${at}/discount_allocations`,
        `discounts ${discount} exceed the line's ${unit * item.quantity}`,
      );
    lineAllocations += discount;
    const sku =
      item.sku ||
      (item.variant_id
        ? `variant:${item.variant_id}`
        : item.product_id
          ? `product:${item.product_id}`
          : `line:${item.id}`);
    const name = item.name ?? item.title ?? undefined;
    lines.push({
      sku: clip(sku, 64),
      name: name === undefined ? undefined : clip(name, 200),
      quantity: item.quantity,
      unit_price_minor: unit,
      discount_minor: discount,
    });
  });

  // Shipping after its own discounts (free-shipping codes); earns nothing.
  let shipping: number;
  let shippingAllocations = 0;
  if (o.shipping_lines && o.shipping_lines.length > 0) {
    shipping = 0;
    o.shipping_lines.forEach((s, i) => {
      const allocated = sum(
        (s.discount_allocations ?? []).map((a, k) =>
          parseMinor(a.amount, cur, `/shipping_lines/${i}/discount_allocations/${k}/amount`),
        ),
      );
      shipping += parseMinor(s.price, cur, `/shipping_lines/${i}/price`) - allocated;
      shippingAllocations += allocated;
    });
  } else {
    shipping = money(
      o.total_shipping_price_set?.shop_money.amount,
      "/total_shipping_price_set/shop_money/amount",
    );
  }
  // Line allocations already carry order-level codes spread "across" lines; what is left is an order discount.
  const orderDiscount = Math.max(
    0,
    money(o.total_discounts, "/total_discounts") - lineAllocations - shippingAllocations,
  );
  // Tax added on top of prices and tips are paid but are not purchases: they earn nothing and are not booked.
  const taxOnTop = o.taxes_included ? 0 : money(o.total_tax, "/total_tax");
  const paid =
    parseMinor(o.total_price, cur, "/total_price") -
    taxOnTop -
    money(o.total_tip_received, "/total_tip_received");

  const order: MappedOrder["order"] = {
    channel: SHOPIFY_CHANNEL,
    external_id: String(o.id),
    currency: cur,
    ordered_at: parseInstant(
      o.processed_at ?? o.created_at,
      o.processed_at ? "/processed_at" : "/created_at",
    ),
    lines,
    discount_minor: orderDiscount,
    shipping_minor: Math.max(0, shipping),
    paid_minor: paid,
  };
  assertAddsUp(order, "/total_price");
  const phones = [o.customer?.phone, o.phone, o.billing_address?.phone, o.shipping_address?.phone].filter(
    (p): p is string => !!p?.trim(),
  );
  const identity = o.customer ? { kind: "shopify_customer", value: String(o.customer.id) } : undefined;
  const refunds = (o.refunds ?? []).flatMap((r, i) => refundOf(r, cur, `/refunds/${i}`));
  return { kind: "order", mapped: { order, customer: { phones, identity } }, refunds };
}

/**
 * A `refunds/create` payload, in the shop's currency (the brand's: ingestion admits no other); undefined when it
 * returned no money (a restock-only refund, a failed transaction).
 */
export function mapShopifyRefund(payload: unknown, shopCurrency: string): MappedRefund | undefined {
  return refundOf(checkPayload(ShopifyRefund, payload), shopCurrency, "")[0];
}

function refundOf(r: Static<typeof ShopifyRefund>, currency: string, at: string): MappedRefund[] {
  // The money that actually went back: successful refund transactions, whatever lines or adjustments caused them.
  let amount = 0;
  r.transactions.forEach((t, i) => {
    if (t.kind !== "refund" || (t.status ?? "success") !== "success") return;
    if (t.currency && t.currency !== currency)
      throw invalidField(
        `${at}/transactions/${i}/currency`,
        `the shop's currency is ${currency}, not ${t.currency}`,
      );
    amount += parseMinor(t.amount, currency, `${at}/transactions/${i}/amount`);
  });
  if (amount === 0) return [];
  const when = r.processed_at ?? r.created_at;
  return [
    {
      order_external_id: String(r.order_id),
      external_id: String(r.id),
      amount_minor: amount,
      currency,
      refunded_at: when
        ? parseInstant(when, `${at}/${r.processed_at ? "processed_at" : "created_at"}`)
        : undefined,
      reason: r.note ? clip(r.note, 200) : undefined,
    },
  ];
}
