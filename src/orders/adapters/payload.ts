import { createHmac, timingSafeEqual } from "node:crypto";
import type { Static, TSchema } from "typebox";
import { Value } from "typebox/value";
import type { Identity } from "../../members/service.ts";
import { type FieldError, invalidField, Problem } from "../../platform/http/problems.ts";
import type { OrderInput } from "../ingest.ts";
import { checkAmounts, type LineInput } from "../rules.ts";

/** What the platform adapters share: the mapped shapes, payload checking, signatures and line arithmetic. */

/** Who bought, as the platform names them; the service picks the member (it needs the database to choose). */
export interface CustomerRef {
  /** Phones in order of preference (the customer's own, then billing, then shipping); may be invalid. */
  phones: string[];
  /** The customer's id on the platform, when the order has a registered customer. */
  identity: Identity | undefined;
}

export interface MappedOrder {
  order: Omit<OrderInput, "member">;
  customer: CustomerRef;
}

export interface MappedRefund {
  /** The order's id on the platform: with the channel, how our order is found. */
  order_external_id: string;
  /** The refund's id on the platform: the same refund twice is one refund. */
  external_id: string;
  /** Money the platform returned to the customer (it may include tax we never counted; the service caps it). */
  amount_minor: number;
  currency: string;
  refunded_at: Date | undefined;
  reason: string | undefined;
}

/**
 * Checks an untrusted payload against the fields an adapter reads (others are ignored) and returns it typed.
 * A mismatch is a 400 naming the deepest field at fault, as a JSON pointer into the platform's payload.
 */
export function checkPayload<T extends TSchema>(schema: T, value: unknown): Static<T> {
  if (Value.Check(schema, value)) return value;
  const raw = Value.Errors(schema, value).filter((e) => e.keyword !== "anyOf");
  // A nullable field that is neither null nor valid reports both; the deeper, specific error is the useful one.
  const errors: FieldError[] = [];
  for (const e of raw.sort((a, b) => b.instancePath.length - a.instancePath.length)) {
    const missing =
      e.keyword === "required" && "requiredProperties" in e.params ? e.params.requiredProperties : [];
    const fields =
      missing.length > 0 ? missing.map((p) => `${e.instancePath}/${p}`) : [e.instancePath || "/"];
    for (const field of fields) {
      if (errors.some((x) => x.field === field || x.field.startsWith(`${field}/`))) continue;
      errors.push({ in: "body", field, message: missing.length > 0 ? "is required" : e.message });
    }
  }
  const first = errors[0];
  throw new Problem(
    "validation-failed",
    first ? `${first.field}: ${first.message}` : "the payload is not valid",
    { errors },
  );
}

/**
 * Whether `signature` (base64, as Shopify and WooCommerce send it) is the HMAC-SHA256 of the raw body under the
 * shared secret. Compared in constant time so the comparison leaks nothing about the expected value.
 */
export function signatureMatches(rawBody: Buffer, secret: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const given = Buffer.from(signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** An instant with an explicit offset ("2025-01-23T22:09:39-05:00"); `assumeUtc` for platforms that omit it. */
export function parseInstant(value: string, field: string, options: { assumeUtc?: boolean } = {}): Date {
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(value);
  // Without a zone the instant would depend on the server's own time zone.
  const text = zoned ? value : options.assumeUtc ? `${value}Z` : "";
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw invalidField(field, `"${value}" is not a date-time with a time zone`);
  return at;
}

/**
 * A line from what the platform gives: the gross (before discounts) and net (after) totals of `quantity` units.
 * The unit price is rounded up so that quantity × unit ≥ gross, and the line discount takes the rest: the line
 * still sums to the net exactly, in whole minor units.
 */
export function lineFromTotals(
  line: { sku: string; name?: string | undefined; quantity: number; gross_minor: number; net_minor: number },
  field: string,
): LineInput {
  if (line.net_minor > line.gross_minor)
    throw invalidField(field, `the line total ${line.net_minor} exceeds its subtotal ${line.gross_minor}`);
  const unit = Math.ceil(line.gross_minor / line.quantity);
  return {
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unit_price_minor: unit,
    discount_minor: unit * line.quantity - line.net_minor,
  };
}

/** Text for our columns: platform strings can be longer than a SKU or name we keep. */
export function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * The mapped order must add up as ingestion will require; when it does not, say so against the platform's own
 * total field rather than our `/paid_minor`, which the shop's developer has never seen.
 */
export function assertAddsUp(order: MappedOrder["order"], totalField: string): void {
  const checked = checkAmounts(order);
  if ("errors" in checked) {
    const first = checked.errors[0];
    throw invalidField(
      totalField,
      `the order does not add up: ${first ? first.message : "amounts are inconsistent"}`,
    );
  }
}
