import type { FieldError } from "../platform/http/problems.ts";

/** Pure checks and arithmetic for orders and refunds: amounts in minor units, no IO. */

export interface LineInput {
  sku: string;
  name?: string | undefined;
  category?: string | undefined;
  quantity: number;
  unit_price_minor: number;
  discount_minor?: number | undefined;
}

export interface AmountsInput {
  lines: LineInput[];
  discount_minor?: number | undefined;
  shipping_minor?: number | undefined;
  paid_minor: number;
}

export interface Amounts {
  items_minor: number;
  discount_minor: number;
  shipping_minor: number;
  paid_minor: number;
  /** What points are earned on: merchandise paid, i.e. without shipping. */
  basis_minor: number;
}

/**
 * The order must add up: Σ(quantity × unit price − line discount) − order discount + shipping = paid.
 * Returns the problems with the field at fault, or the amounts.
 */
export function checkAmounts(
  input: AmountsInput,
  path = "",
): { amounts: Amounts } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  let items = 0;
  input.lines.forEach((line, i) => {
    const gross = line.quantity * line.unit_price_minor;
    const discount = line.discount_minor ?? 0;
    if (discount > gross) {
      errors.push({
        in: "body",
        field: `${path}/lines/${i}/discount_minor`,
        message: `line discount ${discount} exceeds the line total ${gross}`,
      });
    }
    items += gross - discount;
  });
  const discount = input.discount_minor ?? 0;
  const shipping = input.shipping_minor ?? 0;
  if (discount > items)
    errors.push({
      in: "body",
      field: `${path}/discount_minor`,
      message: `order discount ${discount} exceeds the items total ${items}`,
    });
  const expected = items - discount + shipping;
  if (errors.length === 0 && expected !== input.paid_minor) {
    errors.push({
      in: "body",
      field: `${path}/paid_minor`,
      message: `lines add up to ${expected} (items ${items} − discount ${discount} + shipping ${shipping}), not ${input.paid_minor}`,
    });
  }
  if (!Number.isSafeInteger(expected))
    errors.push({ in: "body", field: `${path}/paid_minor`, message: "amounts are too large" });
  if (errors.length > 0) return { errors };
  return {
    amounts: {
      items_minor: items,
      discount_minor: discount,
      shipping_minor: shipping,
      paid_minor: input.paid_minor,
      basis_minor: input.paid_minor - shipping,
    },
  };
}

export interface RefundLine {
  line_no: number;
  quantity: number;
}

export interface OrderLineState {
  line_no: number;
  quantity: number;
  unit_price_minor: number;
  discount_minor: number;
  refunded_quantity: number;
}

/**
 * The amount refunded for returned units: each unit's share of its line after the line discount and its share of
 * the order discount, so returning everything refunds exactly the merchandise paid.
 */
export function refundAmountForLines(
  lines: OrderLineState[],
  returned: RefundLine[],
  order: { items_minor: number; discount_minor: number },
): { amount_minor: number } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  let amount = 0;
  returned.forEach((r, i) => {
    const line = lines.find((l) => l.line_no === r.line_no);
    if (!line) {
      errors.push({
        in: "body",
        field: `/lines/${i}/line_no`,
        message: `the order has no line ${r.line_no}`,
      });
      return;
    }
    if (r.quantity > line.quantity - line.refunded_quantity) {
      errors.push({
        in: "body",
        field: `/lines/${i}/quantity`,
        message: `only ${line.quantity - line.refunded_quantity} of line ${r.line_no} can still be returned`,
      });
      return;
    }
    const lineNet = line.quantity * line.unit_price_minor - line.discount_minor;
    const lineShareOfDiscount =
      order.items_minor > 0 ? (lineNet * order.discount_minor) / order.items_minor : 0;
    // Returning the last units of a line takes whatever rounding left, so a line refunds exactly its paid total.
    const before = Math.floor(((lineNet - lineShareOfDiscount) * line.refunded_quantity) / line.quantity);
    const after = Math.floor(
      ((lineNet - lineShareOfDiscount) * (line.refunded_quantity + r.quantity)) / line.quantity,
    );
    amount += after - before;
  });
  if (errors.length > 0) return { errors };
  return { amount_minor: amount };
}
