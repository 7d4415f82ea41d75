import { DateTime } from "luxon";
import { expiresAt } from "../points/expiry.ts";
import type { Validity } from "./schemas.ts";

/**
 * When a coupon issued at a moment may be used. Pure: the moment and the brand's time zone are passed in.
 * Relative validity ends at the end of a brand-local day, like points expiry, so "valid 7 days" means the same
 * to a member in Shanghai whatever the server's clock zone.
 */
export function couponValidity(
  validity: Validity,
  issuedAt: Date,
  timeZone: string,
): { valid_from: Date; valid_until: Date } | { ended: true } {
  if (validity.kind === "fixed") {
    const validUntil = new Date(validity.ends_at);
    if (validUntil <= issuedAt) return { ended: true };
    return { valid_from: new Date(validity.starts_at), valid_until: validUntil };
  }
  const validUntil = expiresAt(issuedAt, { kind: "rolling_days", days: validity.days }, timeZone);
  if (!validUntil) throw new Error("rolling validity always ends");
  const delay = validity.starts_after_days ?? 0;
  const validFrom =
    delay === 0
      ? issuedAt
      : DateTime.fromJSDate(issuedAt, { zone: timeZone }).plus({ days: delay }).startOf("day").toJSDate();
  if (validFrom >= validUntil) return { ended: true };
  return { valid_from: validFrom, valid_until: validUntil };
}

/** A fixed window must end after it starts; checked when a template is made. */
export function validityProblem(validity: Validity): string | undefined {
  if (validity.kind === "fixed" && new Date(validity.ends_at) <= new Date(validity.starts_at)) {
    return "ends_at must be after starts_at";
  }
  if (validity.kind === "relative" && (validity.starts_after_days ?? 0) > validity.days) {
    return "starts_after_days must not exceed days";
  }
  return undefined;
}
