import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";

export interface LedgerCheck {
  ok: boolean;
  problems: string[];
  entries: number;
}

/**
 * Checks the ledger's invariants for a brand, straight from the tables:
 * every entry balances; each member's balance equals the sum of their postings; open lots add up to what is
 * pending and available; no lot is below zero; program accounts mirror member accounts (liability agrees).
 */
export async function checkLedger(db: Executor, tenantId: string): Promise<LedgerCheck> {
  const problems: string[] = [];
  const unbalanced = await sql<{ entry_id: string; total: number }>`
    SELECT entry_id, SUM(amount)::bigint AS total FROM ledger_postings WHERE tenant_id = ${tenantId}
    GROUP BY entry_id HAVING SUM(amount) <> 0 LIMIT 10`.execute(db);
  for (const row of unbalanced.rows) problems.push(`entry ${row.entry_id} sums to ${row.total}`);

  // Every entry has its postings and every posting its entry (no foreign key enforces it: see the migration).
  const pairing = await sql<{ entries: number; posted: number }>`
    SELECT (SELECT count(*) FROM ledger_entries WHERE tenant_id = ${tenantId})::bigint AS entries,
           (SELECT count(DISTINCT entry_id) FROM ledger_postings WHERE tenant_id = ${tenantId})::bigint AS posted`.execute(
    db,
  );
  const pair = pairing.rows[0];
  if (pair && Number(pair.entries) !== Number(pair.posted)) {
    problems.push(`${pair.entries} entries but postings for ${pair.posted}`);
  }

  const mismatched = await sql<{ member_id: string; account: string; balance: number; postings: number }>`
    WITH posted AS (
      SELECT member_id,
             SUM(amount) FILTER (WHERE account = 'member_available')::bigint AS available,
             SUM(amount) FILTER (WHERE account = 'member_pending')::bigint AS pending,
             SUM(amount) FILTER (WHERE account = 'member_growth')::bigint AS growth
      FROM ledger_postings WHERE tenant_id = ${tenantId} AND member_id IS NOT NULL GROUP BY member_id
    )
    SELECT b.member_id, x.account, x.balance, x.postings
    FROM member_balances b LEFT JOIN posted p ON p.member_id = b.member_id
    CROSS JOIN LATERAL (VALUES
      ('available', b.available, COALESCE(p.available, 0)),
      ('pending', b.pending, COALESCE(p.pending, 0)),
      ('growth', b.growth, COALESCE(p.growth, 0))
    ) AS x(account, balance, postings)
    WHERE b.tenant_id = ${tenantId} AND x.balance <> x.postings LIMIT 10`.execute(db);
  for (const row of mismatched.rows) {
    problems.push(
      `member ${row.member_id} ${row.account}: balance ${row.balance} but postings ${row.postings}`,
    );
  }

  const lotMismatch = await sql<{
    member_id: string;
    available: number;
    pending: number;
    lots_available: number;
    lots_pending: number;
  }>`
    WITH lots AS (
      SELECT member_id,
             SUM(remaining) FILTER (WHERE status = 'available')::bigint AS available,
             SUM(remaining) FILTER (WHERE status = 'pending')::bigint AS pending
      FROM points_lots WHERE tenant_id = ${tenantId} GROUP BY member_id
    )
    SELECT b.member_id, b.available, b.pending, COALESCE(l.available, 0) AS lots_available, COALESCE(l.pending, 0) AS lots_pending
    FROM member_balances b LEFT JOIN lots l ON l.member_id = b.member_id
    WHERE b.tenant_id = ${tenantId}
      AND (GREATEST(b.available, 0) <> COALESCE(l.available, 0) OR b.pending <> COALESCE(l.pending, 0))
    LIMIT 10`.execute(db);
  for (const row of lotMismatch.rows) {
    problems.push(
      `member ${row.member_id}: available ${row.available}/pending ${row.pending} but lots hold ${row.lots_available}/${row.lots_pending}`,
    );
  }

  const negative = await sql<{ lot_id: string }>`
    SELECT lot_id FROM points_lots WHERE tenant_id = ${tenantId} AND (remaining < 0 OR remaining > amount) LIMIT 10`.execute(
    db,
  );
  for (const row of negative.rows) problems.push(`lot ${row.lot_id} is out of bounds`);

  const totals = await sql<{ program: number; members: number }>`
    SELECT COALESCE(SUM(amount) FILTER (WHERE account LIKE 'program_%' AND account <> 'program_growth'), 0)::bigint AS program,
           COALESCE(SUM(amount) FILTER (WHERE account IN ('member_available', 'member_pending')), 0)::bigint AS members
    FROM ledger_postings WHERE tenant_id = ${tenantId}`.execute(db);
  const t = totals.rows[0];
  if (t && Number(t.program) + Number(t.members) !== 0) {
    problems.push(`program accounts (${t.program}) do not mirror member accounts (${t.members})`);
  }
  const count = await db
    .selectFrom("ledger_entries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return { ok: problems.length === 0, problems, entries: Number(count?.n ?? 0) };
}
