import type { Platform } from "../platform/context.ts";
import type { Executor } from "../platform/db/database.ts";
import { registerCheckoutOrderLink } from "./order-link.ts";
import { type IssueResult, issueCoupons } from "./issuance.ts";
import { registerCouponMerge } from "./merge.ts";
import { getCouponSettings } from "./settings.ts";
import type { IssueSource } from "./tables.ts";
import { findPack, findTemplate } from "./templates.ts";

/**
 * Coupons other capabilities' events call for: a tier upgrade's gift, the newcomer pack on joining, a checkout
 * following its cancelled or refunded order (order-link.ts), a merged member's wallet moving (merge.ts). The relay
 * delivers at least once, inside its own transaction: the event id is the issuance's business key, so a second
 * delivery issues nothing. A handler never fails on a business rule (a used-up budget, a deleted template):
 * that would stall every event behind it; what could not be issued is recorded on the issuance instead.
 */

const TIER_GIFTS: readonly (readonly [string, IssueSource])[] = [
  ["tier.upgrade_gift_due", "tier_upgrade"],
  ["tier.birthday_gift_due", "tier_birthday"],
];

export function registerCouponSubscriptions(platform: Platform): void {
  // A tier's gifts (on upgrade, on the member's birthday): their coupon or pack; their points go through the ledger.
  for (const [type, source] of TIER_GIFTS) {
    platform.events.subscribe(type, async (event, tx) => {
      const memberId = event.payload.member_id;
      const gift = event.payload.gift;
      const code =
        typeof gift === "object" && gift !== null && "coupon_template" in gift
          ? gift.coupon_template
          : undefined;
      if (typeof memberId !== "string" || typeof code !== "string") return;
      const result = await issueByCode(
        tx,
        event.tenantId,
        memberId,
        code,
        { key: `event:${event.eventId}`, source },
        platform.clock.now(),
      );
      if (!result)
        platform.log.warn(
          { tenant_id: event.tenantId, code, event: type },
          "tier gift names no coupon template or pack; nothing issued",
        );
    });
  }

  platform.events.subscribe("member.joined", async (event, tx) => {
    const memberId = event.payload.member_id;
    if (typeof memberId !== "string") return;
    const { newcomer_pack } = await getCouponSettings(tx, event.tenantId);
    if (newcomer_pack === null) return;
    const result = await issueByCode(
      tx,
      event.tenantId,
      memberId,
      newcomer_pack,
      { key: `event:${event.eventId}`, source: "join" },
      platform.clock.now(),
    );
    if (!result)
      platform.log.warn(
        { tenant_id: event.tenantId, code: newcomer_pack },
        "newcomer pack not found; nothing issued",
      );
  });

  registerCheckoutOrderLink(platform);
  registerCouponMerge(platform);
}

/**
 * Issues a template or a pack named by its code (a gift may name either), best effort. Undefined when the code
 * names neither, or names a pack no longer given out.
 */
export async function issueByCode(
  tx: Executor,
  tenantId: string,
  memberId: string,
  code: string,
  how: { key: string; source: IssueSource },
  now: Date,
): Promise<IssueResult | undefined> {
  const template = await findTemplate(tx, tenantId, { code });
  const pack = template ? undefined : await findPack(tx, tenantId, { code });
  if (!template && (!pack || !pack.active)) return undefined;
  return issueCoupons(
    tx,
    tenantId,
    {
      key: how.key,
      source: how.source,
      actor: `system:${how.source}`,
      what: template ? { template_id: template.template_id } : { pack_id: pack?.pack_id ?? "" },
      member_ids: [memberId],
      on_limit: "skip",
      on_budget: "skip",
    },
    now,
  );
}
