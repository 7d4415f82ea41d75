import { sql } from "kysely";
import { describe, expect, inject, it } from "vitest";
import { generateBrand } from "../../bench/generate.ts";
import { checkLedger } from "../../src/points/audit.ts";
import { freshDatabase } from "../support/databases.ts";

/** The data a run produced, independent of the tenant's own ids: members, orders (with store codes) and points. */
async function digest(db: Parameters<typeof checkLedger>[0], tenantId: string): Promise<string> {
  const result = await sql<{ members: string; orders: string; ledger: string }>`
    SELECT
      (SELECT md5(string_agg(member_id || card_no || phone || joined_at::text || gender, ',' ORDER BY member_id))
         FROM members WHERE tenant_id = ${tenantId}) AS members,
      (SELECT md5(string_agg(o.order_id || o.member_id || o.channel || COALESCE(u.code, '-') || o.paid_minor || o.ordered_at::text || o.points_earned, ',' ORDER BY o.order_id))
         FROM orders o LEFT JOIN org_units u ON u.tenant_id = o.tenant_id AND u.org_unit_id = o.store_id
         WHERE o.tenant_id = ${tenantId}) AS orders,
      (SELECT md5(string_agg(entry_id || kind || amount, ',' ORDER BY entry_id))
         FROM ledger_entries WHERE tenant_id = ${tenantId}) AS ledger`.execute(db);
  return JSON.stringify(result.rows[0]);
}

describe.skipIf(!inject("postgresTemplate"))("bench/generate.ts [postgres]", () => {
  it("loads a ledger-consistent brand, the same one for the same seed", async () => {
    const handle = await freshDatabase("postgres");
    try {
      const { database, url } = handle;
      if (!url) throw new Error("postgres only");
      const now = new Date("2026-06-15T04:00:00Z");
      const run = (slug: string, seed: number) =>
        generateBrand(database, url, { members: 300, orders: 2_000, seed, now, slug, rebuildIndexes: false });
      const a = await run("gen-a", 5);
      const b = await run("gen-b", 5);
      const c = await run("gen-c", 6);

      expect(a.members).toBe(300);
      expect(a.orders).toBe(2_000);
      for (const report of [a, b, c]) {
        const check = await checkLedger(database.db, report.tenant_id);
        expect(check.problems).toEqual([]);
        expect(check.ok).toBe(true);
      }
      expect(await digest(database.db, a.tenant_id)).toBe(await digest(database.db, b.tenant_id));
      expect(await digest(database.db, a.tenant_id)).not.toBe(await digest(database.db, c.tenant_id));

      // Orders within the return window are pending; lots past their expiry were expired; some never bought.
      const shape = await sql<{ pending: number; expired: number; buyers: number; top_decile_share: number }>`
        SELECT (SELECT count(*) FROM points_lots WHERE tenant_id = ${a.tenant_id} AND status = 'pending')::int AS pending,
               (SELECT count(*) FROM ledger_entries WHERE tenant_id = ${a.tenant_id} AND kind = 'expire')::int AS expired,
               (SELECT count(*) FROM member_balances WHERE tenant_id = ${a.tenant_id} AND orders_count > 0)::int AS buyers,
               (SELECT sum(orders_count) FROM (SELECT orders_count FROM member_balances WHERE tenant_id = ${a.tenant_id}
                  ORDER BY orders_count DESC LIMIT 30) top)::float8 / 2000 AS top_decile_share`.execute(
        database.db,
      );
      const s = shape.rows[0];
      expect(s?.pending).toBeGreaterThan(0);
      expect(s?.expired).toBeGreaterThan(0);
      expect(s?.buyers).toBeLessThan(300);
      // Repeat purchase is skewed: the top tenth of members place far more than a tenth of the orders.
      expect(s?.top_decile_share).toBeGreaterThan(0.3);
    } finally {
      await handle.dispose();
    }
  });
});
