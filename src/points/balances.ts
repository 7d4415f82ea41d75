import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";

export interface Balance {
  member_id: string;
  available: number;
  pending: number;
  growth: number;
  orders_count: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
}

export interface BalanceDelta {
  available?: number;
  pending?: number;
  growth?: number;
  orders?: number;
  /** Earliest and latest order time among the orders counted in `orders`. */
  first_order_at?: Date;
  last_order_at?: Date;
}

/**
 * Locks the balance rows of these members (creating missing ones), always in member-id order so that two
 * transactions touching the same members cannot deadlock. Every change to a member's lots or balance takes
 * this lock first: it is what makes concurrent spends, expiry and refunds of one member serial.
 */
export async function lockBalances(
  tx: Executor,
  tenantId: string,
  memberIds: string[],
): Promise<Map<string, Balance>> {
  const ids = [...new Set(memberIds)].sort();
  if (ids.length === 0) return new Map();
  // One statement creates missing rows and locks all of them (ON CONFLICT DO UPDATE takes the row lock), in the
  // sorted order of the input.
  const rows = await tx
    .insertInto("member_balances")
    .values(
      ids.map((member_id) => ({ tenant_id: tenantId, member_id, first_order_at: null, last_order_at: null })),
    )
    .onConflict((oc) =>
      oc
        .columns(["tenant_id", "member_id"])
        .doUpdateSet((eb) => ({ updated_at: eb.ref("member_balances.updated_at") })),
    )
    .returning([
      "member_id",
      "available",
      "pending",
      "growth",
      "orders_count",
      "first_order_at",
      "last_order_at",
    ])
    .execute();
  return new Map(rows.map((r) => [r.member_id, r]));
}

/** Adds deltas to balance rows (which the caller has locked), one statement for any number of members. */
export async function applyBalanceDeltas(
  tx: Executor,
  tenantId: string,
  deltas: Map<string, BalanceDelta>,
  now: Date,
): Promise<void> {
  await balanceDeltasStatement(tenantId, deltas, now)?.execute(tx);
}

/** The update applyBalanceDeltas runs, to be sent with a movement's other writes (`together`); none if all zero. */
export function balanceDeltasStatement(
  tenantId: string,
  deltas: Map<string, BalanceDelta>,
  now: Date,
): RawBuilder<unknown> | undefined {
  const rows = [...deltas.entries()].filter(
    ([, d]) =>
      (d.available ?? 0) !== 0 || (d.pending ?? 0) !== 0 || (d.growth ?? 0) !== 0 || (d.orders ?? 0) !== 0,
  );
  if (rows.length === 0) return undefined;
  const values = sql.join(
    rows.map(
      ([memberId, d]) =>
        sql`(${memberId}::text, ${d.available ?? 0}::bigint, ${d.pending ?? 0}::bigint, ${d.growth ?? 0}::bigint, ${d.orders ?? 0}::int, ${d.first_order_at ?? null}::timestamptz, ${d.last_order_at ?? null}::timestamptz)`,
    ),
  );
  return sql`
    UPDATE member_balances AS b SET
      available = b.available + v.available,
      pending = b.pending + v.pending,
      growth = b.growth + v.growth,
      orders_count = b.orders_count + v.orders,
      first_order_at = LEAST(b.first_order_at, v.first_at),
      last_order_at = GREATEST(b.last_order_at, v.last_at),
      updated_at = ${now}
    FROM (VALUES ${values}) AS v(member_id, available, pending, growth, orders, first_at, last_at)
    WHERE b.tenant_id = ${tenantId} AND b.member_id = v.member_id`;
}

const earlier = (a: Date | undefined, b: Date | undefined) => (a && b ? (a < b ? a : b) : (a ?? b));
const later = (a: Date | undefined, b: Date | undefined) => (a && b ? (a > b ? a : b) : (a ?? b));

export function addDelta(deltas: Map<string, BalanceDelta>, memberId: string, delta: BalanceDelta): void {
  const current = deltas.get(memberId) ?? {};
  const first = earlier(current.first_order_at, delta.first_order_at);
  const last = later(current.last_order_at, delta.last_order_at);
  deltas.set(memberId, {
    available: (current.available ?? 0) + (delta.available ?? 0),
    pending: (current.pending ?? 0) + (delta.pending ?? 0),
    growth: (current.growth ?? 0) + (delta.growth ?? 0),
    orders: (current.orders ?? 0) + (delta.orders ?? 0),
    ...(first ? { first_order_at: first } : {}),
    ...(last ? { last_order_at: last } : {}),
  });
}

/**
 * Reads balances without locking them, for a writer that will verify them when it updates (see
 * applyCheckedDeltas): batch ingest holds no member lock while it inserts orders and ledger rows, so batches that
 * share members run side by side instead of one after the other.
 */
export async function readBalances(
  tx: Executor,
  tenantId: string,
  memberIds: string[],
): Promise<Map<string, Balance>> {
  const ids = [...new Set(memberIds)];
  const found = ids.length
    ? await tx
        .selectFrom("member_balances")
        .select([
          "member_id",
          "available",
          "pending",
          "growth",
          "orders_count",
          "first_order_at",
          "last_order_at",
        ])
        .where("tenant_id", "=", tenantId)
        .where("member_id", "in", ids)
        .execute()
    : [];
  const result = new Map(found.map((r) => [r.member_id, r]));
  for (const id of ids) {
    if (!result.has(id)) {
      result.set(id, {
        member_id: id,
        available: 0,
        pending: 0,
        growth: 0,
        orders_count: 0,
        first_order_at: null,
        last_order_at: null,
      });
    }
  }
  return result;
}

/** A balance moved between an optimistic read and its update in a way that changes a decision: run again. */
export class BalanceChangedError extends Error {
  // The code retryOnConflict retries, as for a serialization failure.
  readonly code = "40001";
}

/** What a decision made from `read` depends on: whether the member owes points, and whether they had ordered. */
function decisiveFacts(balance: { available: number; orders_count: number }) {
  return { owed: Math.max(0, -balance.available), ordered: balance.orders_count > 0 };
}

/**
 * Adds deltas (creating missing rows) in one statement, in member-id order, and checks that what each balance was
 * before the change still supports the decisions made from `read`; if not, throws BalanceChangedError so the
 * whole transaction is run again. The row locks are taken here, at the end, and held only until commit.
 */
export async function applyCheckedDeltas(
  tx: Executor,
  tenantId: string,
  deltas: Map<string, BalanceDelta>,
  read: Map<string, Balance>,
  now: Date,
  /** Which facts the caller's decisions used: checking only those keeps unrelated concurrent changes from retrying. */
  depends: { owed: boolean; ordered: boolean } = { owed: true, ordered: true },
): Promise<void> {
  const rows = [...deltas.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return;
  const column = <T>(pick: (d: BalanceDelta, id: string) => T) => rows.map(([id, d]) => pick(d, id));
  const result = await sql<{ member_id: string; available: number; orders_count: number }>`
    INSERT INTO member_balances AS b (tenant_id, member_id, available, pending, growth, orders_count, first_order_at, last_order_at, updated_at)
    SELECT ${tenantId}, v.member_id, v.available, v.pending, v.growth, v.orders, v.first_at, v.last_at, ${now}
    FROM unnest(${column((_, id) => id)}::text[], ${column((d) => d.available ?? 0)}::bigint[], ${column((d) => d.pending ?? 0)}::bigint[],
                ${column((d) => d.growth ?? 0)}::bigint[], ${column((d) => d.orders ?? 0)}::int[],
                ${column((d) => d.first_order_at?.toISOString() ?? null)}::timestamptz[], ${column((d) => d.last_order_at?.toISOString() ?? null)}::timestamptz[])
      AS v(member_id, available, pending, growth, orders, first_at, last_at)
    ON CONFLICT (tenant_id, member_id) DO UPDATE SET
      available = b.available + EXCLUDED.available,
      pending = b.pending + EXCLUDED.pending,
      growth = b.growth + EXCLUDED.growth,
      orders_count = b.orders_count + EXCLUDED.orders_count,
      first_order_at = LEAST(b.first_order_at, EXCLUDED.first_order_at),
      last_order_at = GREATEST(b.last_order_at, EXCLUDED.last_order_at),
      updated_at = EXCLUDED.updated_at
    RETURNING b.member_id, b.available, b.orders_count`.execute(tx);
  for (const row of result.rows) {
    const delta = deltas.get(row.member_id) ?? {};
    const before = {
      available: row.available - (delta.available ?? 0),
      orders_count: row.orders_count - (delta.orders ?? 0),
    };
    const expected = read.get(row.member_id);
    const now_ = decisiveFacts(before);
    const then = expected ? decisiveFacts(expected) : { owed: 0, ordered: false };
    if ((depends.owed && now_.owed !== then.owed) || (depends.ordered && now_.ordered !== then.ordered)) {
      throw new BalanceChangedError(
        `balance of ${row.member_id} changed while its orders were being written`,
      );
    }
  }
}
