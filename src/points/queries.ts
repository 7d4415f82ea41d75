import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { parseTimeKey, timeKey, toPage } from "../platform/http/pagination.ts";
import { getProgram } from "./program.ts";

export interface PointsBalance {
  member_id: string;
  /** Spendable now; never below zero. */
  available: number;
  /** Earned from orders still in their return window. */
  pending: number;
  /** Points the member owes after refunds of points already spent (negative-balance policy). */
  owed: number;
  growth: number;
  expiring_soon: { expires_at: string; points: number }[];
  next_expiry: { expires_at: string; points: number } | null;
}

export async function getBalance(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<PointsBalance> {
  const program = await getProgram(db, tenantId);
  const row = await db
    .selectFrom("member_balances")
    .select(["available", "pending", "growth"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .executeTakeFirst();
  const horizon = new Date(now.getTime() + program.expiring_soon_days * 86_400_000);
  // Open lots summed per expiry time, soonest first: all of those inside the window, with no cap (expiries fall at
  // day ends, so there are about as many as the window has days); when none is, just the next one.
  const expiring = (inWindow: boolean) =>
    db
      .selectFrom("points_lots")
      .select(["expires_at", (eb) => eb.fn.sum<number>("remaining").as("points")])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .where("status", "=", "available")
      .where("remaining", ">", 0)
      .where("expires_at", "is not", null)
      .$if(inWindow, (q) => q.where("expires_at", "<=", horizon))
      .$if(!inWindow, (q) => q.limit(1))
      .groupBy("expires_at")
      .orderBy("expires_at")
      .execute();
  const dated = (rows: Awaited<ReturnType<typeof expiring>>) =>
    rows.flatMap((e) =>
      e.expires_at ? [{ expires_at: e.expires_at.toISOString(), points: Number(e.points) }] : [],
    );
  const soon = dated(await expiring(true));
  const first = soon[0] ?? dated(await expiring(false))[0];
  return {
    member_id: memberId,
    available: Math.max(0, row?.available ?? 0),
    pending: row?.pending ?? 0,
    owed: Math.max(0, -(row?.available ?? 0)),
    growth: row?.growth ?? 0,
    expiring_soon: soon,
    next_expiry: first ?? null,
  };
}

export interface HistoryEntry {
  entry_id: string;
  currency: "points" | "growth";
  kind: string;
  amount: number;
  reason: string;
  rule_id: string | null;
  source_type: string;
  source_id: string | null;
  actor: string;
  detail: Record<string, unknown>;
  occurred_at: Date;
}

/** The member's ledger, newest first: every change with the rule, order or person that caused it. */
export async function getHistory(
  db: Executor,
  tenantId: string,
  memberId: string,
  page: { limit: number; before: string | undefined; currency?: "points" | "growth" | undefined },
): Promise<{ items: HistoryEntry[]; next_cursor: string | null }> {
  let query = db
    .selectFrom("ledger_entries")
    .select([
      "entry_id",
      "currency",
      "kind",
      "amount",
      "reason",
      "rule_id",
      "source_type",
      "source_id",
      "actor",
      "detail",
      "occurred_at",
    ])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId);
  if (page.currency) query = query.where("currency", "=", page.currency);
  if (page.before) {
    const { at, id } = parseTimeKey(page.before);
    query = query.where((eb) =>
      eb.or([eb("occurred_at", "<", at), eb.and([eb("occurred_at", "=", at), eb("entry_id", "<", id)])]),
    );
  }
  const rows = await query
    .orderBy("occurred_at", "desc")
    .orderBy("entry_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (row) => timeKey(row.occurred_at, row.entry_id));
}

export interface LiabilityReport {
  /** Points members hold: available plus pending, less what they owe. The brand's outstanding liability. */
  outstanding: number;
  available: number;
  pending: number;
  owed: number;
  issued: number;
  redeemed: number;
  expired: number;
  reversed: number;
  adjusted: number;
  /** Expired as a share of issued and adjusted-in points: the points that will never be redeemed. */
  breakage_rate: number;
  members_with_points: number;
}

/** Derived from postings and balances; both sides are computed, so a mismatch shows up in the ledger check. */
export async function getLiability(db: Executor, tenantId: string): Promise<LiabilityReport> {
  const sums = await db
    .selectFrom("ledger_postings")
    .select(["account", (eb) => eb.fn.sum<number>("amount").as("total")])
    .where("tenant_id", "=", tenantId)
    .groupBy("account")
    .execute();
  const total = (account: string) => Number(sums.find((s) => s.account === account)?.total ?? 0);
  const balances = await sql<{ available: number; pending: number; owed: number; holders: number }>`
    SELECT COALESCE(SUM(GREATEST(available, 0)), 0)::bigint AS available,
           COALESCE(SUM(pending), 0)::bigint AS pending,
           COALESCE(SUM(GREATEST(-available, 0)), 0)::bigint AS owed,
           COUNT(*) FILTER (WHERE available > 0 OR pending > 0)::bigint AS holders
    FROM member_balances WHERE tenant_id = ${tenantId}`.execute(db);
  const b = balances.rows[0] ?? { available: 0, pending: 0, owed: 0, holders: 0 };
  const issued = -total("program_issued");
  const adjusted = -total("program_adjusted");
  const expired = total("program_expired");
  const grossIn = issued + Math.max(0, adjusted);
  return {
    outstanding: Number(b.available) + Number(b.pending) - Number(b.owed),
    available: Number(b.available),
    pending: Number(b.pending),
    owed: Number(b.owed),
    issued,
    redeemed: total("program_redeemed"),
    expired,
    reversed: total("program_reversed"),
    adjusted,
    breakage_rate: grossIn > 0 ? Math.round((expired / grossIn) * 10_000) / 10_000 : 0,
    members_with_points: Number(b.holders),
  };
}
