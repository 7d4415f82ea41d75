import { getMember } from "../members/service.ts";
import { type MovedMember, reassignMembers } from "../members/assignment.ts";
import { actorOf, type Principal } from "../platform/auth/principal.ts";
import { insertMany } from "../platform/db/bulk.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule, invalidField, notFound } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { getOrgUnit, type OrgUnit } from "./service.ts";
import { findStaffPlacement, isWithin, scopePathOf, type StaffPlacement } from "./staff.ts";

/**
 * Members belong to a home store and a guide. Managers move them within their own subtree; a guide who leaves
 * hands all their members to another guide or to their store's pool (no guide). Every move is recorded.
 */

/** A guide the caller may give members to: an active guide inside the caller's subtree. */
async function guideInScope(
  db: Executor,
  tenantId: string,
  staffId: string,
  principal: Principal | undefined,
  field: string,
): Promise<StaffPlacement> {
  const guide = await findStaffPlacement(db, tenantId, staffId);
  if (!guide || !isWithin(guide.org_path, scopePathOf(principal)))
    throw invalidField(field, `no guide ${staffId} in your organisation`);
  if (guide.role !== "guide") throw invalidField(field, `${staffId} is a ${guide.role}, not a guide`);
  if (guide.status !== "active") throw invalidField(field, `guide ${staffId} is disabled`);
  return guide;
}

async function storeInScope(
  db: Executor,
  tenantId: string,
  storeId: string,
  principal: Principal | undefined,
  field: string,
): Promise<OrgUnit> {
  const unit = await getOrgUnit(db, tenantId, storeId).catch(() => undefined);
  if (unit?.kind !== "store" || !isWithin(unit.path, scopePathOf(principal)))
    throw invalidField(field, `no store ${storeId} in your organisation`);
  return unit;
}

/** The guide's store, when the guide sits in a store (a guide placed at a region has none). */
async function storeOf(db: Executor, tenantId: string, guide: StaffPlacement): Promise<string | undefined> {
  const unit = await getOrgUnit(db, tenantId, guide.org_unit_id);
  return unit.kind === "store" ? unit.org_unit_id : undefined;
}

async function recordMoves(
  tx: Executor,
  tenantId: string,
  moved: MovedMember[],
  actor: string,
  handoverId: string | null,
  now: Date,
): Promise<void> {
  await insertMany(
    tx,
    "member_assignments",
    {
      tenant_id: "text",
      assignment_id: "text",
      member_id: "text",
      from_guide_id: "text",
      to_guide_id: "text",
      from_store_id: "text",
      to_store_id: "text",
      handover_id: "text",
      actor: "text",
      at: "timestamptz",
    },
    moved.map((m) => ({
      tenant_id: tenantId,
      assignment_id: newId("assignment"),
      ...m,
      handover_id: handoverId,
      actor,
      at: now,
    })),
  );
}

/**
 * Gives one member another guide and/or home store. A new guide without a store named brings the member to the
 * guide's store; `guide_id: null` leaves the member in the store's pool.
 */
export async function assignMember(
  tx: Executor,
  tenantId: string,
  memberId: string,
  input: { guide_id?: string | null | undefined; home_store_id?: string | undefined },
  principal: Principal,
  now: Date,
): Promise<MovedMember | undefined> {
  const member = await getMember(tx, tenantId, memberId, principal);
  if (input.guide_id === undefined && input.home_store_id === undefined)
    throw invalidField("/guide_id", "give guide_id, home_store_id or both");
  let homeStore = input.home_store_id;
  if (homeStore !== undefined) await storeInScope(tx, tenantId, homeStore, principal, "/home_store_id");
  let guideId = input.guide_id === undefined ? member.guide_id : input.guide_id;
  if (input.guide_id) {
    const guide = await guideInScope(tx, tenantId, input.guide_id, principal, "/guide_id");
    homeStore ??= await storeOf(tx, tenantId, guide);
  }
  if (input.guide_id === undefined && homeStore !== undefined && member.guide_id !== null) {
    // A member moved to another store leaves a guide who does not work there.
    const guide = await findStaffPlacement(tx, tenantId, member.guide_id);
    const store = await getOrgUnit(tx, tenantId, homeStore);
    if (!guide || !isWithin(guide.org_path, store.path)) guideId = null;
  }
  const [moved] = await reassignMembers(
    tx,
    tenantId,
    { member_ids: [member.member_id] },
    { guide_id: guideId, home_store_id: homeStore },
    { actor: actorOf(principal), reason: "reassign" },
    now,
  );
  if (moved) await recordMoves(tx, tenantId, [moved], actorOf(principal), null, now);
  return moved;
}

export interface Handover {
  handover_id: string;
  from_guide_id: string;
  to_guide_id: string | null;
  to_store_id: string | null;
  members_moved: number;
  actor: string;
  at: Date;
}

/**
 * A guide leaves: all their members go to another guide (`to_guide_id`) or, without one, to the pool of the
 * guide's store (the store keeps them; any guide there may adopt them). Recorded as one handover plus one
 * assignment per member; `guide.handed_over` lets other capabilities follow (channel codes change owner).
 */
export async function handOver(
  tx: Executor,
  tenantId: string,
  fromGuideId: string,
  input: { to_guide_id?: string | undefined },
  principal: Principal,
  now: Date,
): Promise<Handover> {
  const from = await findStaffPlacement(tx, tenantId, fromGuideId);
  if (!from || !isWithin(from.org_path, scopePathOf(principal))) throw notFound("guide", fromGuideId);
  if (from.role !== "guide") throw businessRule(`${fromGuideId} is a ${from.role}, not a guide`);
  if (input.to_guide_id === fromGuideId)
    throw invalidField("/to_guide_id", "a guide cannot hand over to themselves");
  const to = input.to_guide_id
    ? await guideInScope(tx, tenantId, input.to_guide_id, principal, "/to_guide_id")
    : undefined;
  const poolStore = to ? undefined : await storeOf(tx, tenantId, from);
  const handoverId = newId("handover");
  const actor = actorOf(principal);
  // Members follow the receiving guide to that guide's store; sent to the pool, they keep their home store.
  const toStore = to ? await storeOf(tx, tenantId, to) : undefined;
  const moved = await reassignMembers(
    tx,
    tenantId,
    { guide_id: fromGuideId },
    { guide_id: to?.staff_id ?? null, ...(toStore ? { home_store_id: toStore } : {}) },
    { actor, reason: "handover", handover_id: handoverId },
    now,
  );
  await recordMoves(tx, tenantId, moved, actor, handoverId, now);
  const handover: Handover = {
    handover_id: handoverId,
    from_guide_id: fromGuideId,
    to_guide_id: to?.staff_id ?? null,
    to_store_id: to ? null : (poolStore ?? null),
    members_moved: moved.length,
    actor,
    at: now,
  };
  await tx
    .insertInto("guide_handovers")
    .values({ tenant_id: tenantId, ...handover })
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "guide.handed_over",
    subjectId: fromGuideId,
    at: now,
    payload: { ...handover, at: now.toISOString() },
  });
  return handover;
}

export async function listHandovers(db: Executor, tenantId: string, guideId: string): Promise<Handover[]> {
  return db
    .selectFrom("guide_handovers")
    .select(["handover_id", "from_guide_id", "to_guide_id", "to_store_id", "members_moved", "actor", "at"])
    .where("tenant_id", "=", tenantId)
    .where((eb) => eb.or([eb("from_guide_id", "=", guideId), eb("to_guide_id", "=", guideId)]))
    .orderBy("at", "desc")
    .limit(100)
    .execute();
}

export interface AssignmentRecord {
  assignment_id: string;
  from_guide_id: string | null;
  to_guide_id: string | null;
  from_store_id: string | null;
  to_store_id: string | null;
  handover_id: string | null;
  actor: string;
  at: Date;
}

/** A member's history of guides and stores, newest first (the caller has checked the member is in scope). */
export async function memberAssignments(
  db: Executor,
  tenantId: string,
  memberId: string,
): Promise<AssignmentRecord[]> {
  return db
    .selectFrom("member_assignments")
    .select([
      "assignment_id",
      "from_guide_id",
      "to_guide_id",
      "from_store_id",
      "to_store_id",
      "handover_id",
      "actor",
      "at",
    ])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .orderBy("at", "desc")
    .orderBy("assignment_id", "desc")
    .limit(200)
    .execute();
}
