/**
 * One member's audience re-evaluation, after a tag change and after an order, timed over a kept bench database
 * (`BENCH_KEEP_DATABASE=1 npm run bench -- audience …` prints its URL), so a change can be measured in seconds.
 * Usage: npx node bench/probes/reevaluate.ts postgres://…/bench_audience_… [members=200] [rounds=3]
 * BENCH_TRACE=1 adds each statement of the last round's re-evaluations after an order, timed.
 */
import { sql } from "kysely";
import { reevaluateMember } from "../../src/audience/incremental.ts";
import { openDatabase } from "../../src/platform/db/database.ts";
import { quantile } from "../support.ts";
import { traceQueries } from "./trace.ts";

const url = process.argv[2];
if (!url) throw new Error("usage: reevaluate.ts <database url> [members] [rounds]");
const MEMBERS = Number(process.argv[3] ?? 200);
const ROUNDS = Number(process.argv[4] ?? 3);
const tracing = traceQueries();
const database = await openDatabase({ url, poolSize: 2 });
try {
  const db = database.db;
  const tenant = await sql<{ tenant_id: string }>`SELECT tenant_id FROM tenants WHERE slug = 'bench'`.execute(
    db,
  );
  const tenantId = tenant.rows[0]?.tenant_id ?? "";
  const ids = (
    await sql<{ member_id: string }>`SELECT member_id FROM audience_member_facts
      WHERE tenant_id = ${tenantId} AND orders_count > 0 ORDER BY md5(member_id) LIMIT ${MEMBERS}`.execute(db)
  ).rows.map((r) => r.member_id);
  const now = new Date();
  for (let round = 0; round < ROUNDS; round++) {
    for (const topics of [["tags"], ["orders", "points", "tier"]] as const) {
      const timings: number[] = [];
      tracing.on = process.env.BENCH_TRACE === "1" && round === ROUNDS - 1 && topics[0] !== "tags";
      for (const id of ids) {
        const started = performance.now();
        await reevaluateMember(db, tenantId, id, topics, now);
        timings.push(performance.now() - started);
      }
      timings.sort((a, b) => a - b);
      console.log(
        `round ${round} after ${topics[0] === "tags" ? "a tag  " : "an order"}: median ${quantile(timings, 0.5).toFixed(2)} ms, p95 ${quantile(timings, 0.95).toFixed(2)} ms`,
      );
    }
  }
  tracing.on = false;
  if (process.env.BENCH_TRACE === "1")
    for (const line of tracing.report(ids.length, "member")) console.log(line);
} finally {
  await database.close();
}
