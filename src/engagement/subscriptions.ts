import { getOrder } from "../orders/queries.ts";
import type { Platform } from "../platform/context.ts";
import { inviteCodeOfScene } from "./referrals/rules.ts";
import { forgetInviteeOrder, onInviteeOrder, onInviteeOrderCompleted } from "./referrals/payouts.ts";
import { bindReferral } from "./referrals/service.ts";
import { referralOfInvitee } from "./referrals/store.ts";

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

  platform.events.subscribe("order.created", async (event, tx) => {
    const { member_id, order_id, paid_minor } = event.payload;
    if (typeof member_id !== "string" || typeof order_id !== "string" || typeof paid_minor !== "number")
      return;
    await onInviteeOrder(tx, event.tenantId, { member_id, order_id, paid_minor }, now());
  });

  platform.events.subscribe("order.completed", async (event, tx) => {
    const orderId = event.payload.order_id;
    if (event.subjectId === null || typeof orderId !== "string") return;
    await onInviteeOrderCompleted(tx, event.tenantId, event.subjectId, orderId, now());
  });

  platform.events.subscribe("order.cancelled", async (event, tx) => {
    const orderId = event.payload.order_id;
    if (event.subjectId === null || typeof orderId !== "string") return;
    await forgetInviteeOrder(tx, event.tenantId, event.subjectId, orderId, now());
  });

  platform.events.subscribe("order.refunded", async (event, tx) => {
    const orderId = event.payload.order_id;
    if (event.subjectId === null || typeof orderId !== "string") return;
    const referral = await referralOfInvitee(tx, event.tenantId, event.subjectId);
    if (referral?.first_order_id !== orderId || referral.first_order_reward !== null) return;
    // Only a full refund disqualifies: a partly returned order is still a first order.
    const order = await getOrder(tx, event.tenantId, orderId).catch(() => undefined);
    if (!order || order.status === "refunded")
      await forgetInviteeOrder(tx, event.tenantId, event.subjectId, orderId, now());
  });
}
