import { Value } from "typebox/value";
import type { Platform } from "../platform/context.ts";
import type { Executor } from "../platform/db/database.ts";
import type { DomainEvent } from "../platform/events.ts";
import { grantProgramPoints } from "../points/grants.ts";
import { GiftSchema } from "./schemas.ts";

/**
 * The points part of a tier's gifts. A gift-due event (`tier.upgrade_gift_due`, `tier.birthday_gift_due`) is
 * recorded once per member and tier, or once per member and year; its coupon part is issued by the coupons
 * capability, its points are granted here, through the points ledger, after the change that made the gift due
 * committed (granting inside a tier evaluation would take balance locks under tier locks, the reverse of an order).
 * The relay delivers at least once: the ledger's business key (member, source type, source id) makes a second
 * delivery grant nothing.
 */

export const UPGRADE_GIFT_SOURCE = "tier_upgrade_gift";
export const BIRTHDAY_GIFT_SOURCE = "tier_birthday_gift";

interface GiftPoints {
  member_id: string;
  points: number;
  source_type: string;
  /** Upgrade: the tier (one gift per tier, ever). Birthday: the year. */
  source_id: string;
  reason: string;
  actor: string;
}

/** The points an event's gift carries and their business key; undefined when it carries none. */
export function giftPoints(event: DomainEvent): GiftPoints | undefined {
  const { member_id, tier_code, tier_id, year, gift } = event.payload;
  if (typeof member_id !== "string" || typeof tier_code !== "string") return undefined;
  if (!Value.Check(GiftSchema, gift) || gift.points === undefined) return undefined;
  if (event.type === "tier.upgrade_gift_due" && typeof tier_id === "string")
    return {
      member_id,
      points: gift.points,
      source_type: UPGRADE_GIFT_SOURCE,
      source_id: tier_id,
      reason: `Upgrade gift (${tier_code}): ${gift.name}`,
      actor: "system:tier_upgrade",
    };
  if (event.type === "tier.birthday_gift_due" && typeof year === "number")
    return {
      member_id,
      points: gift.points,
      source_type: BIRTHDAY_GIFT_SOURCE,
      source_id: String(year),
      reason: `Birthday gift (${tier_code}): ${gift.name}`,
      actor: "system:tier_birthday",
    };
  return undefined;
}

/** Grants a gift's points as a lot expiring per the brand's points program. Idempotent by the gift's key. */
export async function grantGiftPoints(
  tx: Executor,
  tenantId: string,
  due: GiftPoints,
  now: Date,
): Promise<void> {
  await grantProgramPoints(tx, tenantId, { ...due, amount: due.points }, now);
}

export function registerTierSubscriptions(platform: Platform): void {
  for (const type of ["tier.upgrade_gift_due", "tier.birthday_gift_due"]) {
    platform.events.subscribe(type, async (event, tx) => {
      const due = giftPoints(event);
      if (due) await grantGiftPoints(tx, event.tenantId, due, platform.clock.now());
    });
  }
}
