import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { Problem } from "../platform/http/problems.ts";
import { writeAuditEntry } from "../privacy/audit.ts";
import { getCoupon } from "./wallet.ts";

/**
 * Withdraws an unused coupon (issued by mistake, a cancelled promotion, abuse). Revoking a revoked coupon again
 * changes nothing. A coupon held by a checkout or redeemed cannot be revoked: cancel or refund that checkout,
 * which gives the coupon back, first. The template's budget and the member's limit keep counting it (it was
 * issued); the reason and who revoked it go to the audit log and the `coupon.revoked` event.
 */
export async function revokeCoupon(
  tx: Executor,
  tenantId: string,
  couponRef: string,
  input: { reason: string; actor: string },
  now: Date,
): Promise<{ coupon_id: string; revoked: boolean }> {
  const found = await getCoupon(tx, tenantId, couponRef);
  const locked = await tx
    .selectFrom("coupons")
    .select(["status", "member_id", "code", "template_id"])
    .where("tenant_id", "=", tenantId)
    .where("coupon_id", "=", found.coupon_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (locked.status === "revoked") return { coupon_id: found.coupon_id, revoked: false };
  if (locked.status !== "available")
    throw new Problem(
      "coupon-already-used",
      `The coupon is ${locked.status}: cancel or refund its checkout first, which gives it back`,
    );
  await tx
    .updateTable("coupons")
    .set({ status: "revoked", updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("coupon_id", "=", found.coupon_id)
    .execute();
  await writeAuditEntry(tx, {
    tenantId,
    actor: input.actor,
    action: "coupon.revoke",
    memberId: locked.member_id,
    detail: { coupon_id: found.coupon_id, code: locked.code, reason: input.reason },
    at: now,
  });
  await recordEvent(tx, {
    tenantId,
    type: "coupon.revoked",
    subjectId: locked.member_id,
    at: now,
    payload: {
      member_id: locked.member_id,
      coupon_id: found.coupon_id,
      template_id: locked.template_id,
      reason: input.reason,
    },
  });
  return { coupon_id: found.coupon_id, revoked: true };
}
