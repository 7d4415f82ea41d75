import { Type } from "typebox";
import { invalidField } from "../../platform/http/problems.ts";
import type { LineInput } from "../rules.ts";
import { parseMinor, parseSignedMinor } from "./money.ts";
import {
  assertAddsUp,
  checkPayload,
  clip,
  lineFromTotals,
  type MappedOrder,
  type MappedRefund,
  parseInstant,
} from "./payload.ts";

/**
 * WooCommerce order webhook payloads (REST v3 order shape, topics `order.created` and `order.updated`) mapped to
 * our orders and refunds. Pure: no IO.
 *
 * Woo keeps line and shipping totals net of tax and the tax beside them. We book amounts as the shop shows its
 * prices: a shop whose prices include tax earns on tax-inclusive amounts (net + tax); a shop that adds tax at
 * checkout earns on the net amounts and the added tax is left out — the same rule the Shopify adapter follows.
 */

export const WOOCOMMERCE_CHANNEL = "woocommerce";
export const WOOCOMMERCE_ORDER_TOPICS = new Set(["order.created", "order.updated"]);

const Id = Type.Integer({ minimum: 1 });
const Amount = Type.String({ maxLength: 32 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Optional(Type.Union([Type.Null(), t]));

const WooOrder = Type.Object({
  id: Id,
  status: Type.String(),
  currency: Type.String({ pattern: "^[A-Z]{3}$" }),
  date_created_gmt: Type.String(),
  prices_include_tax: Nullable(Type.Boolean()),
  discount_total: Nullable(Amount),
  discount_tax: Nullable(Amount),
  shipping_total: Nullable(Amount),
  shipping_tax: Nullable(Amount),
  total: Amount,
  total_tax: Nullable(Amount),
  customer_id: Nullable(Type.Integer({ minimum: 0 })),
  billing: Nullable(Type.Object({ phone: Nullable(Type.String({ maxLength: 64 })) })),
  line_items: Type.Array(
    Type.Object({
      id: Id,
      name: Nullable(Type.String()),
      sku: Nullable(Type.String()),
      product_id: Nullable(Type.Integer()),
      variation_id: Nullable(Type.Integer()),
      quantity: Type.Integer({ minimum: 0, maximum: 100_000 }),
      subtotal: Amount,
      subtotal_tax: Nullable(Amount),
      total: Amount,
      total_tax: Nullable(Amount),
    }),
  ),
  fee_lines: Nullable(Type.Array(Type.Object({ total: Amount, total_tax: Nullable(Amount) }))),
  // Woo lists refunds with a negative total; older versions name the reason field "refund".
  refunds: Nullable(Type.Array(Type.Object({ id: Id, reason: Nullable(Type.String()), total: Amount }))),
});

/** Statuses in which the customer has paid: the order earns. */
const PAID_STATUSES = new Set(["processing", "completed"]);

export interface WooOrderEvent {
  status: string;
  /** The order to ingest, when it is paid; undefined for pending, on-hold, cancelled, failed, refunded… */
  mapped: MappedOrder | undefined;
  /** The order's id, for refunds of an order we may already know. */
  external_id: string;
  refunds: MappedRefund[];
  /** `refunded`: whatever is still unrefunded is refunded in full. */
  fully_refunded: boolean;
}

export function mapWooOrder(payload: unknown): WooOrderEvent {
  const o = checkPayload(WooOrder, payload);
  const cur = o.currency;
  const money = (value: string | null | undefined, field: string) =>
    value ? parseMinor(value, cur, field) : 0;
  const external_id = String(o.id);
  const refunds = (o.refunds ?? []).flatMap((r, i): MappedRefund[] => {
    const amount = -parseSignedMinor(r.total, cur, `/refunds/${i}/total`);
    if (amount < 0)
      throw invalidField(
        `/refunds/${i}/total`,
        "a refund total is negative in WooCommerce; a positive one is not a refund",
      );
    return amount === 0
      ? []
      : [
          {
            order_external_id: external_id,
            external_id: String(r.id),
            amount_minor: amount,
            currency: cur,
            refunded_at: undefined,
            reason: r.reason ? clip(r.reason, 200) : undefined,
          },
        ];
  });
  const event = { status: o.status, external_id, refunds, fully_refunded: o.status === "refunded" };
  if (!PAID_STATUSES.has(o.status)) return { ...event, mapped: undefined };

  const gross = o.prices_include_tax === true;
  const withTax = (net: number, tax: string | null | undefined, field: string) =>
    gross ? net + money(tax, field) : net;
  const lines: LineInput[] = [];
  let lineCoupons = 0;
  o.line_items.forEach((item, i) => {
    if (item.quantity === 0) return;
    const at = `/line_items/${i}`;
    const before = withTax(
      parseMinor(item.subtotal, cur, `${at}/subtotal`),
      item.subtotal_tax,
      `${at}/subtotal_tax`,
    );
    const after = withTax(parseMinor(item.total, cur, `${at}/total`), item.total_tax, `${at}/total_tax`);
    const sku =
      item.sku ||
      (item.variation_id
        ? `variation:${item.variation_id}`
        : item.product_id
          ? `product:${item.product_id}`
          : `line:${item.id}`);
    const line = lineFromTotals(
      {
        sku: clip(sku, 64),
        name: item.name ? clip(item.name, 200) : undefined,
        quantity: item.quantity,
        gross_minor: before,
        net_minor: after,
      },
      `${at}/total`,
    );
    lineCoupons += before - after;
    lines.push(line);
  });
  // Fees are charges beside the goods (earning nothing, like shipping); a negative fee is a discount.
  let fees = 0;
  let negativeFees = 0;
  (o.fee_lines ?? []).forEach((f, i) => {
    const fee =
      parseSignedMinor(f.total, cur, `/fee_lines/${i}/total`) +
      (gross ? parseSignedMinor(f.total_tax ?? "0", cur, `/fee_lines/${i}/total_tax`) : 0);
    if (fee >= 0) fees += fee;
    else negativeFees -= fee;
  });
  const couponDiscount = withTax(money(o.discount_total, "/discount_total"), o.discount_tax, "/discount_tax");
  // Coupons already lowered the line totals; only a remainder (rare) is an order-level discount.
  let discount = Math.max(0, couponDiscount - lineCoupons) + negativeFees;
  let shipping = withTax(money(o.shipping_total, "/shipping_total"), o.shipping_tax, "/shipping_tax") + fees;
  const paid = parseMinor(o.total, cur, "/total") - (gross ? 0 : money(o.total_tax, "/total_tax"));

  // Tax rounded per line and per order can leave a cent or two between the parts and the total; that residue is
  // booked as discount or charge so the order adds up, while anything larger is a real inconsistency.
  const items = lines.reduce((a, l) => a + l.quantity * l.unit_price_minor - (l.discount_minor ?? 0), 0);
  const residue = items - discount + shipping - paid;
  if (gross && residue !== 0 && Math.abs(residue) <= lines.length + 1) {
    if (residue > 0) discount += residue;
    else shipping -= residue;
  }
  const order: MappedOrder["order"] = {
    channel: WOOCOMMERCE_CHANNEL,
    external_id,
    currency: cur,
    ordered_at: parseInstant(o.date_created_gmt, "/date_created_gmt", { assumeUtc: true }),
    lines,
    discount_minor: discount,
    shipping_minor: shipping,
    paid_minor: paid,
  };
  assertAddsUp(order, "/total");
  const phone = o.billing?.phone?.trim();
  const identity = o.customer_id ? { kind: "woocommerce_customer", value: String(o.customer_id) } : undefined;
  return { ...event, mapped: { order, customer: { phones: phone ? [phone] : [], identity } } };
}
