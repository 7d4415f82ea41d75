import { getOrder } from "../orders/queries.ts";
import type { Platform } from "../platform/context.ts";
import type { Tx } from "../platform/db/database.ts";
import { inviteCodeOfScene } from "./referrals/rules.ts";
import { forgetInviteeOrder, onInviteeOrder, onInviteeOrderCompleted } from "./referrals/payouts.ts";
import { bindReferral } from "./referrals/service.ts";
import { inviteesAwaitingFirstOrder, referralOfInvitee } from "./referrals/store.ts";

/**
 * Engagement's reactions to other capabilities' events, for referrals: a member who joins through an invite link
 * (scene `invite:<code>`) is bound to the inviter; the invitee's first qualifying order pays the order rewards.
 * The relay delivers at least once, inside its transaction: every step below is idempotent, and none throws on a
 * business rule (that would stall every event behind it); a refused binding is recorded with its reason instead.
 */
export function registerEngagementSubscriptions(platform: Platform): void {
  const now = () => platform.clock.now();

  platform.events.subscribe("member.joined", async (event, tx) => {
    const memberId = event.payload.member_id;
    const code = inviteCodeOfScene(event.payload.scene_key);
    if (typeof memberId !== "string" || code === undefined) return;
    const outcome = await bindReferral(
      tx,
      event.tenantId,
      { invitee_id: memberId, code, device_id: null, record_refusal: true },
      "system:referral",
      now(),
    );
    if ("refused" in outcome)
      platform.log.info(
        { tenant_id: event.tenantId, member_id: memberId, reason: outcome.refused },
        "referral refused",
      );
  });

  // Every order passes here. One handler takes all order events of a relay pass in the order they happened (an order
  // created, then cancelled, must be seen in that order); one query per brand picks the few orders that can be an
  // invitee's first, and members whose referral changed earlier in the pass are looked at again.
  platform.events.subscribeBatch(
    ["order.created", "order.completed", "order.cancelled", "order.refunded"],
    async (events, tx) => {
      const created = events.filter((e) => e.type === "order.created");
      const waiting = new Map<string, Set<string>>();
      for (const tenantId of new Set(created.map((e) => e.tenantId))) {
        const members = created
          .filter((e) => e.tenantId === tenantId)
          .map((e) => e.payload.member_id)
          .filter((m): m is string => typeof m === "string");
        waiting.set(tenantId, await inviteesAwaitingFirstOrder(tx, tenantId, members));
      }
      const touched = new Set<string>();
      for (const event of events) {
        if (event.type === "order.created") {
          const { member_id, order_id, paid_minor } = event.payload;
          if (typeof member_id !== "string" || typeof order_id !== "string" || typeof paid_minor !== "number")
            continue;
          const key = `${event.tenantId}|${member_id}`;
          if (waiting.get(event.tenantId)?.has(member_id) || touched.has(key))
            await onInviteeOrder(tx, event.tenantId, { member_id, order_id, paid_minor }, now());
          continue;
        }
        const orderId = event.payload.order_id;
        if (event.subjectId === null || typeof orderId !== "string") continue;
        touched.add(`${event.tenantId}|${event.subjectId}`);
        if (event.type === "order.completed")
          await onInviteeOrderCompleted(tx, event.tenantId, event.subjectId, orderId, now());
        else if (event.type === "order.cancelled")
          await forgetInviteeOrder(tx, event.tenantId, event.subjectId, orderId, now());
        else await forgetIfFullyRefunded(tx, event.tenantId, event.subjectId, orderId, now());
      }
    },
  );
}

/** Only a full refund disqualifies: a partly returned order is still a first order. */
async function forgetIfFullyRefunded(
  tx: Tx,
  tenantId: string,
  memberId: string,
  orderId: string,
  now: Date,
): Promise<void> {
  const referral = await referralOfInvitee(tx, tenantId, memberId);
  if (referral?.first_order_id !== orderId || referral.first_order_reward !== null) return;
  const order = await getOrder(tx, tenantId, orderId).catch(() => undefined);
  if (!order || order.status === "refunded") await forgetInviteeOrder(tx, tenantId, memberId, orderId, now);
}
