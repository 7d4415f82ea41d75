import { sql } from "kysely";
import type { Principal } from "../../platform/auth/principal.ts";
import type { Database, Executor } from "../../platform/db/database.ts";
import { toPage } from "../../platform/http/pagination.ts";
import { businessRule, notFound, Problem } from "../../platform/http/problems.ts";
import { compileCondition, memberRelation } from "../conditions/compile.ts";
import { type Condition, parseConditionOrThrow, topicsOf } from "../conditions/parse.ts";
import { evaluationContext } from "../context.ts";
import { inScope } from "../facts.ts";
import { audienceId } from "../ids.ts";
import type { RfmGroupName, Stage } from "../tables.ts";
import { assertTagsExist } from "../tags/catalog.ts";
import { populateSegment } from "./membership.ts";

/** Saved conditions: create, change, delete; live counts and previews; the stored membership, page by page. */

export const MAX_SEGMENTS_PER_BRAND = 500;
export const PREVIEW_LIMIT_MAX = 100;
/** Live counts and previews scan the brand's members; past this they stop with a clear problem. */
export const LIVE_QUERY_TIMEOUT_MS = 15_000;

export interface Segment {
  segment_id: string;
  name: string;
  description: string | null;
  condition: Record<string, unknown>;
  topics: string[];
  member_count: number;
  evaluated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  "segment_id",
  "name",
  "description",
  "condition",
  "topics",
  "member_count",
  "evaluated_at",
  "created_at",
  "updated_at",
] as const;

export async function getSegment(db: Executor, tenantId: string, segmentId: string): Promise<Segment> {
  const row = await db
    .selectFrom("audience_segments")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("segment_id", "=", segmentId)
    .executeTakeFirst();
  if (!row) throw notFound("segment", segmentId);
  return row;
}

export async function listSegments(db: Executor, tenantId: string): Promise<Segment[]> {
  return db
    .selectFrom("audience_segments")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .orderBy("name")
    .execute();
}

async function checkedCondition(tx: Executor, tenantId: string, raw: unknown): Promise<Condition> {
  const condition = parseConditionOrThrow(raw, "/condition");
  await assertTagsExist(tx, tenantId, condition);
  return condition;
}

async function assertNameFree(tx: Executor, tenantId: string, name: string, except?: string): Promise<void> {
  let query = tx
    .selectFrom("audience_segments")
    .select("segment_id")
    .where("tenant_id", "=", tenantId)
    .where("name", "=", name);
  if (except) query = query.where("segment_id", "<>", except);
  if (await query.executeTakeFirst()) {
    throw new Problem("conflict", `a segment named ${name} exists`, {
      errors: [{ in: "body", field: "/name", message: "is already used" }],
    });
  }
}

/** Saves a segment and fills its membership (a baseline: no entered events for members who already match). */
export async function createSegment(
  tx: Executor,
  tenantId: string,
  input: { name: string; description?: string | undefined; condition: unknown },
  now: Date,
): Promise<Segment> {
  const condition = await checkedCondition(tx, tenantId, input.condition);
  const count = await tx
    .selectFrom("audience_segments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  if (Number(count?.n ?? 0) >= MAX_SEGMENTS_PER_BRAND)
    throw businessRule(`a brand may have at most ${MAX_SEGMENTS_PER_BRAND} segments`);
  await assertNameFree(tx, tenantId, input.name);
  const segmentId = audienceId("segment");
  await tx
    .insertInto("audience_segments")
    .values({
      tenant_id: tenantId,
      segment_id: segmentId,
      name: input.name,
      description: input.description ?? null,
      condition: JSON.stringify(input.condition),
      topics: topicsOf(condition),
      created_at: now,
      updated_at: now,
      evaluated_at: null,
    })
    .execute();
  await populateSegment(tx, tenantId, segmentId, condition, await evaluationContext(tx, tenantId, now), {
    emit: false,
  });
  return getSegment(tx, tenantId, segmentId);
}

export async function updateSegment(
  tx: Executor,
  tenantId: string,
  segmentId: string,
  patch: { name?: string | undefined; description?: string | null | undefined; condition?: unknown },
  now: Date,
): Promise<Segment> {
  await getSegment(tx, tenantId, segmentId);
  const condition =
    patch.condition === undefined ? undefined : await checkedCondition(tx, tenantId, patch.condition);
  if (patch.name !== undefined) await assertNameFree(tx, tenantId, patch.name, segmentId);
  await tx
    .updateTable("audience_segments")
    .set({
      updated_at: now,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(condition ? { condition: JSON.stringify(patch.condition), topics: topicsOf(condition) } : {}),
    })
    .where("tenant_id", "=", tenantId)
    .where("segment_id", "=", segmentId)
    .execute();
  // A new definition is a new baseline: members do not "enter" because the condition moved.
  if (condition)
    await populateSegment(tx, tenantId, segmentId, condition, await evaluationContext(tx, tenantId, now), {
      emit: false,
    });
  return getSegment(tx, tenantId, segmentId);
}

export async function deleteSegment(tx: Executor, tenantId: string, segmentId: string): Promise<void> {
  await getSegment(tx, tenantId, segmentId);
  await tx
    .deleteFrom("audience_segments")
    .where("tenant_id", "=", tenantId)
    .where("segment_id", "=", segmentId)
    .execute();
}

export interface AudienceMember {
  member_id: string;
  stage: Stage | null;
  rfm_group: RfmGroupName | null;
  orders_count: number;
  spend_minor: number;
  last_order_at: Date | null;
}

/**
 * Runs a read over the whole base under a statement timeout (on PostgreSQL; the embedded database has no
 * timer), turning a timeout into a clear 503 rather than a hung request or a 500.
 */
export async function boundedRead<T>(database: Database, work: (tx: Executor) => Promise<T>): Promise<T> {
  try {
    return await database.db.transaction().execute(async (tx) => {
      if (database.kind === "postgres")
        await sql`SET LOCAL statement_timeout = ${sql.lit(LIVE_QUERY_TIMEOUT_MS)}`.execute(tx);
      return work(tx);
    });
  } catch (error) {
    if ((error as { code?: string }).code === "57014") {
      throw new Problem(
        "unavailable",
        `the query took longer than ${LIVE_QUERY_TIMEOUT_MS / 1000} s and was stopped; narrow the condition or use a saved segment`,
      );
    }
    throw error;
  }
}

/** How many members match a condition now (within the caller's scope), and the first few of them. */
export async function previewCondition(
  db: Executor,
  tenantId: string,
  condition: Condition,
  limit: number,
  now: Date,
  principal: Principal | undefined,
): Promise<{ count: number; members: AudienceMember[] }> {
  const context = await evaluationContext(db, tenantId, now);
  const where = sql`f.tenant_id = ${tenantId} AND ${compileCondition(condition, context)} AND ${inScope(principal, tenantId, db)}`;
  const count = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM ${memberRelation()} WHERE ${where}`.execute(db);
  const members =
    limit === 0
      ? { rows: [] }
      : await sql<AudienceMember>`
        SELECT f.member_id, s.stage, s.rfm_group, f.orders_count, f.spend_minor, f.last_order_at
        FROM ${memberRelation()} WHERE ${where} ORDER BY f.member_id LIMIT ${limit}`.execute(db);
  return { count: count.rows[0]?.n ?? 0, members: members.rows };
}

/** The stored membership, in member-id order, within the caller's scope. */
/**
 * The ids of a segment's members, at most `max` (and whether there were more), for another capability acting on
 * the whole segment at once (a bulk coupon issue). An unknown segment is a 404.
 */
export async function segmentMemberIds(
  db: Executor,
  tenantId: string,
  segmentId: string,
  max: number,
): Promise<{ member_ids: string[]; more: boolean }> {
  await getSegment(db, tenantId, segmentId);
  const rows = await db
    .selectFrom("audience_segment_members")
    .select("member_id")
    .where("tenant_id", "=", tenantId)
    .where("segment_id", "=", segmentId)
    .orderBy("member_id")
    .limit(max + 1)
    .execute();
  return { member_ids: rows.slice(0, max).map((r) => r.member_id), more: rows.length > max };
}

export async function segmentMembers(
  db: Executor,
  tenantId: string,
  segmentId: string,
  page: { limit: number; after: string | undefined },
  principal: Principal | undefined,
): Promise<{ items: (AudienceMember & { entered_at: Date })[]; next_cursor: string | null }> {
  const rows = await sql<AudienceMember & { entered_at: Date }>`
    SELECT f.member_id, s.stage, s.rfm_group, f.orders_count, f.spend_minor, f.last_order_at, sm.entered_at
    FROM audience_segment_members sm
    JOIN ${memberRelation()} ON f.tenant_id = sm.tenant_id AND f.member_id = sm.member_id
    WHERE sm.tenant_id = ${tenantId} AND sm.segment_id = ${segmentId} AND ${inScope(principal, tenantId, db)}
      ${page.after ? sql`AND sm.member_id > ${page.after}` : sql``}
    ORDER BY sm.member_id LIMIT ${page.limit + 1}`.execute(db);
  return toPage(rows.rows, page.limit, (row) => row.member_id);
}
