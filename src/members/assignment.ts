import { insertMany } from "../platform/db/bulk.ts";
import type { Executor } from "../platform/db/database.ts";
import { newId } from "../platform/ids.ts";

/**
 * Moving members between guides and stores (a reassignment, or a guide's handover when they leave). The members
 * capability owns the columns; who may move whom is decided by the caller (src/org), which also keeps the history.
 */

/** A handover moves at most this many members in one transaction. */
export const MAX_MEMBERS_MOVED = 50_000;
const CHUNK = 1_000;

export interface MovedMember {
  member_id: string;
  from_guide_id: string | null;
  from_store_id: string | null;
  to_guide_id: string | null;
  to_store_id: string | null;
}

export type MemberSelection = { member_ids: readonly string[] } | { guide_id: string };

/**
 * Sets the guide (and, when given, the home store) of the selected live members. Members already placed so are
 * left alone. Each moved member gets a `member.reassigned` event (their timeline says who moved them and why).
 */
export async function reassignMembers(
  tx: Executor,
  tenantId: string,
  selection: MemberSelection,
  to: { guide_id: string | null; home_store_id?: string | null | undefined },
  cause: { actor: string; reason: "reassign" | "handover"; handover_id?: string | undefined },
  now: Date,
): Promise<MovedMember[]> {
  let query = tx
    .selectFrom("members")
    .select(["member_id", "guide_id", "home_store_id"])
    .where("tenant_id", "=", tenantId)
    .where("status", "in", ["active", "prospect"]);
  if ("member_ids" in selection) {
    if (selection.member_ids.length === 0) return [];
    query = query.where("member_id", "in", [...selection.member_ids]);
  } else query = query.where("guide_id", "=", selection.guide_id);
  const current = await query.orderBy("member_id").limit(MAX_MEMBERS_MOVED).forUpdate().execute();
  const moved: MovedMember[] = current
    .map((m) => ({
      member_id: m.member_id,
      from_guide_id: m.guide_id,
      from_store_id: m.home_store_id,
      to_guide_id: to.guide_id,
      to_store_id: to.home_store_id === undefined ? m.home_store_id : to.home_store_id,
    }))
    .filter((m) => m.from_guide_id !== m.to_guide_id || m.from_store_id !== m.to_store_id);
  for (let start = 0; start < moved.length; start += CHUNK) {
    const ids = moved.slice(start, start + CHUNK).map((m) => m.member_id);
    await tx
      .updateTable("members")
      .set({
        guide_id: to.guide_id,
        ...(to.home_store_id !== undefined ? { home_store_id: to.home_store_id } : {}),
        updated_at: now,
      })
      .where("tenant_id", "=", tenantId)
      .where("member_id", "in", ids)
      .execute();
  }
  await insertMany(
    tx,
    "outbox",
    {
      tenant_id: "text",
      event_id: "text",
      type: "text",
      subject_id: "text",
      payload: "jsonb",
      occurred_at: "timestamptz",
    },
    moved.map((m) => ({
      tenant_id: tenantId,
      event_id: newId("event"),
      type: "member.reassigned",
      subject_id: m.member_id,
      payload: { ...m, actor: cause.actor, reason: cause.reason, handover_id: cause.handover_id ?? null },
      occurred_at: now,
    })),
  );
  return moved;
}

/** The guide each of some members belongs to (members without one are absent), in one query. */
export async function guidesOfMembers(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
): Promise<Map<string, string>> {
  if (memberIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("members")
    .select(["member_id", "guide_id"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", [...new Set(memberIds)])
    .where("guide_id", "is not", null)
    .execute();
  return new Map(rows.flatMap((r) => (r.guide_id ? [[r.member_id, r.guide_id] as const] : [])));
}
