import { reassignOrders } from "../orders/queries.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule } from "../platform/http/problems.ts";
import { mergePoints } from "../points/movements.ts";
import { upgradeIfQualified } from "../tiers/service.ts";
import { getMember, type Member } from "./service.ts";

/**
 * Merges two records of one person (a POS card and a mini-program account, say): the survivor takes the other's
 * identities, orders, points and growth, and the absorbed record stays as `merged` pointing at the survivor, so
 * old references still resolve. Capabilities that hold more (coupons, tags) follow the `member.merged` event.
 */
export async function mergeMembers(
  tx: Executor,
  tenantId: string,
  survivorId: string,
  absorbedId: string,
  actor: string,
  now: Date,
): Promise<{ survivor: Member; orders_moved: number }> {
  if (survivorId === absorbedId) throw businessRule("a member cannot be merged into itself", "/member_id");
  const survivor = await getMember(tx, tenantId, survivorId);
  const absorbed = await getMember(tx, tenantId, absorbedId);
  for (const m of [survivor, absorbed]) {
    if (m.status === "merged" || m.status === "erased")
      throw businessRule(`member ${m.member_id} is ${m.status}`, "/member_id");
  }
  await tx
    .updateTable("member_identities")
    .set({ member_id: survivorId })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", absorbedId)
    .execute();
  const ordersMoved = await reassignOrders(tx, tenantId, absorbedId, survivorId);
  await mergePoints(tx, tenantId, absorbedId, survivorId, { actor }, now);
  await tx
    .updateTable("members")
    .set({ status: "merged", merged_into: survivorId, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", absorbedId)
    .execute();
  // The survivor keeps its own profile and fills its gaps from the other record; a prospect that absorbs a member becomes one.
  const filled = await tx
    .updateTable("members")
    .set({
      phone: survivor.phone ?? absorbed.phone,
      email: survivor.email ?? absorbed.email,
      name: survivor.name ?? absorbed.name,
      birthday: survivor.birthday ?? absorbed.birthday,
      status: survivor.status === "active" || absorbed.status === "active" ? "active" : "prospect",
      joined_at: survivor.joined_at < absorbed.joined_at ? survivor.joined_at : absorbed.joined_at,
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", survivorId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await upgradeIfQualified(tx, tenantId, [survivorId], now);
  const payload = { survivor_id: survivorId, absorbed_id: absorbedId, orders_moved: ordersMoved, actor };
  await recordEvent(tx, { tenantId, type: "member.merged", subjectId: survivorId, at: now, payload });
  await recordEvent(tx, { tenantId, type: "member.merged_away", subjectId: absorbedId, at: now, payload });
  const { tenant_id: _, ...member } = filled;
  return { survivor: member, orders_moved: ordersMoved };
}
