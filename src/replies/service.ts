import { sql } from "kysely";
import { HQ_ROLES, type Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { toPage } from "../platform/http/pagination.ts";
import { notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";

/**
 * The quick-reply library: scripts shared by HQ with every agent, and each person's own. Everyone sees the shared
 * ones and their own; use counts show which scripts work.
 */

export interface QuickReply {
  reply_id: string;
  owner_staff_id: string | null;
  category: string;
  title: string;
  body: string;
  use_count: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  "reply_id",
  "owner_staff_id",
  "category",
  "title",
  "body",
  "use_count",
  "created_by",
  "created_at",
  "updated_at",
] as const;

/** HQ and integrators manage the shared library; everyone else only their own scripts. */
export function managesShared(principal: Principal | undefined): boolean {
  return principal?.kind !== "staff" || HQ_ROLES.includes(principal.role);
}

function ownerOf(principal: Principal | undefined): string | null {
  return principal?.kind === "staff" ? principal.staffId : null;
}

export async function createReply(
  tx: Executor,
  tenantId: string,
  input: { category: string; title: string; body: string; shared?: boolean | undefined },
  principal: Principal,
  actor: string,
  now: Date,
): Promise<QuickReply> {
  const owner = ownerOf(principal);
  const shared = input.shared ?? managesShared(principal);
  if (shared && !managesShared(principal))
    throw new Problem("forbidden", "only HQ shares replies with everyone");
  if (!shared && owner === null) throw new Problem("forbidden", "personal replies belong to a staff account");
  return tx
    .insertInto("quick_replies")
    .values({
      tenant_id: tenantId,
      reply_id: newId("quickReply"),
      owner_staff_id: shared ? null : owner,
      category: input.category,
      title: input.title,
      body: input.body,
      created_by: actor,
      created_at: now,
      updated_at: now,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

/** A reply the caller may read: shared, or their own. */
export async function getReply(
  db: Executor,
  tenantId: string,
  replyId: string,
  principal: Principal | undefined,
): Promise<QuickReply> {
  const reply = await db
    .selectFrom("quick_replies")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("reply_id", "=", replyId)
    .executeTakeFirst();
  if (!reply || (reply.owner_staff_id !== null && reply.owner_staff_id !== ownerOf(principal)))
    throw notFound("quick reply", replyId);
  return reply;
}

function assertMayChange(reply: QuickReply, principal: Principal | undefined): void {
  if (reply.owner_staff_id === null && !managesShared(principal))
    throw new Problem("forbidden", "only HQ changes shared replies");
}

export async function updateReply(
  tx: Executor,
  tenantId: string,
  replyId: string,
  patch: { category?: string | undefined; title?: string | undefined; body?: string | undefined },
  principal: Principal,
  now: Date,
): Promise<QuickReply> {
  assertMayChange(await getReply(tx, tenantId, replyId, principal), principal);
  return tx
    .updateTable("quick_replies")
    .set({ ...patch, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("reply_id", "=", replyId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function deleteReply(
  tx: Executor,
  tenantId: string,
  replyId: string,
  principal: Principal,
): Promise<void> {
  assertMayChange(await getReply(tx, tenantId, replyId, principal), principal);
  await tx
    .deleteFrom("quick_replies")
    .where("tenant_id", "=", tenantId)
    .where("reply_id", "=", replyId)
    .execute();
}

const escapeLike = (text: string) => text.replace(/[%_\\]/g, "\\$&");

/** Most used first; `q` matches title or body anywhere, case-insensitively. */
export async function searchReplies(
  db: Executor,
  tenantId: string,
  filter: { q?: string | undefined; category?: string | undefined; mine_only?: boolean | undefined },
  page: { limit: number; after: string | undefined },
  principal: Principal | undefined,
): Promise<{ items: QuickReply[]; next_cursor: string | null }> {
  const owner = ownerOf(principal);
  let query = db.selectFrom("quick_replies").select(COLUMNS).where("tenant_id", "=", tenantId);
  query = filter.mine_only
    ? query.where("owner_staff_id", "=", owner ?? "")
    : query.where((eb) =>
        owner === null
          ? eb("owner_staff_id", "is", null)
          : eb.or([eb("owner_staff_id", "is", null), eb("owner_staff_id", "=", owner)]),
      );
  if (filter.category) query = query.where("category", "=", filter.category);
  if (filter.q) {
    const pattern = `%${escapeLike(filter.q.trim().toLowerCase())}%`;
    query = query.where((eb) =>
      eb.or([eb(eb.fn("lower", ["title"]), "like", pattern), eb(eb.fn("lower", ["body"]), "like", pattern)]),
    );
  }
  if (page.after) {
    const [count, id] = page.after.split("|");
    const uses = Number(count);
    if (!id || !Number.isInteger(uses)) throw new Problem("invalid-cursor");
    query = query.where((eb) =>
      eb.or([eb("use_count", "<", uses), eb.and([eb("use_count", "=", uses), eb("reply_id", ">", id)])]),
    );
  }
  const rows = await query
    .orderBy("use_count", "desc")
    .orderBy("reply_id")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (r) => `${r.use_count}|${r.reply_id}`);
}

export async function categories(
  db: Executor,
  tenantId: string,
  principal: Principal | undefined,
): Promise<{ category: string; replies: number }[]> {
  const owner = ownerOf(principal);
  const rows = await db
    .selectFrom("quick_replies")
    .select((eb) => ["category", eb.fn.countAll<number>().as("replies")])
    .where("tenant_id", "=", tenantId)
    .where((eb) =>
      owner === null
        ? eb("owner_staff_id", "is", null)
        : eb.or([eb("owner_staff_id", "is", null), eb("owner_staff_id", "=", owner)]),
    )
    .groupBy("category")
    .orderBy("category")
    .execute();
  return rows.map((r) => ({ category: r.category, replies: Number(r.replies) }));
}

export async function countUse(tx: Executor, tenantId: string, replyId: string): Promise<number> {
  const row = await tx
    .updateTable("quick_replies")
    .set({ use_count: sql<number>`use_count + 1` })
    .where("tenant_id", "=", tenantId)
    .where("reply_id", "=", replyId)
    .returning("use_count")
    .executeTakeFirstOrThrow();
  return row.use_count;
}
