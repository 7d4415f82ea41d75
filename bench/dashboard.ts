/**
 * The console's dashboard over a generated brand: the six /v1/audience/analytics/* requests the Dashboard page
 * sends (last 30 days by day, cohorts of 12 months), each alone and then all six at once as the page does.
 * Usage: npm run bench -- dashboard [members=1000000] [orders_per_member=10] [requests=20]
 * With BENCH_DATABASE and BENCH_TENANT, the brand a `generate --keep` left is used instead of a new one.
 *
 * Stages, RFM and LTV come from the nightly recompute, so it runs first (timed) when the brand has no facts yet.
 */
import { sql } from "kysely";
import { fitLtv } from "../src/audience/ltv/service.ts";
import { recomputeAudience } from "../src/audience/recompute.ts";
import { openDatabase } from "../src/platform/db/database.ts";
import { generatedBrand } from "./generate.ts";
import { loadAverage, machine, MAIN, quantile, row, startProcess } from "./support.ts";

const MEMBERS = Number(process.argv[3] ?? 1_000_000);
const ORDERS = MEMBERS * Number(process.argv[4] ?? 10);
const REQUESTS = Number(process.argv[5] ?? 20);

console.log(`machine: ${machine()}; load average ${loadAverage()}`);
let started = performance.now();
const brand = await generatedBrand("bench_dashboard", { members: MEMBERS, orders: ORDERS, seed: 1 });
console.log(
  `brand: ${brand.report.members} members, ${brand.report.orders} orders (${((performance.now() - started) / 1000).toFixed(0)} s to have it)`,
);
const t = brand.report.tenant_id;
try {
  const database = await openDatabase({ url: brand.url, poolSize: 4 });
  try {
    const facts = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audience_member_facts WHERE tenant_id = ${t}`.execute(database.db);
    if ((facts.rows[0]?.n ?? 0) === 0) {
      started = performance.now();
      const now = new Date();
      const recompute = await recomputeAudience(database.db, t, now);
      const ltv = await fitLtv(database.db, t, now);
      console.log(
        `audience recompute ${(recompute.duration_ms / 1000).toFixed(1)} s, LTV fit ${ltv.fitted ? "done" : ltv.reason}; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
      );
    }
  } finally {
    await database.close();
  }

  const server = await startProcess([MAIN, "start"], { DATABASE_URL: brand.url }, 3921);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const today = new Date();
  const range = `from=${day(new Date(today.getTime() - 29 * 86_400_000))}&to=${day(today)}&interval=day`;
  const endpoints = [
    `/v1/audience/analytics/membership?${range}`,
    `/v1/audience/analytics/lifecycle?${range}`,
    `/v1/audience/analytics/sales?${range}`,
    `/v1/audience/analytics/points?${range}`,
    "/v1/audience/analytics/overview",
    "/v1/audience/analytics/cohorts?months=12",
  ];
  const get = async (path: string): Promise<number> => {
    const s = performance.now();
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${brand.key}` } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return performance.now() - s;
  };
  console.log(
    `\n${REQUESTS} requests each, one at a time, after one warm-up; load average ${loadAverage()}\n`,
  );
  console.log(row(["request", "p50 ms", "p99 ms", "max ms"]));
  console.log(row(["---", "---", "---", "---"]));
  for (const path of endpoints) {
    await get(path);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) times.push(await get(path));
    times.sort((a, b) => a - b);
    console.log(
      row([
        path.split("?")[0] ?? path,
        quantile(times, 0.5).toFixed(0),
        quantile(times, 0.99).toFixed(0),
        (times[times.length - 1] ?? 0).toFixed(0),
      ]),
    );
  }
  const pages: number[] = [];
  for (let i = 0; i < Math.max(5, Math.round(REQUESTS / 2)); i++) {
    const s = performance.now();
    await Promise.all(endpoints.map(get));
    pages.push(performance.now() - s);
  }
  pages.sort((a, b) => a - b);
  console.log(
    row([
      `the page: all six at once (${pages.length} loads)`,
      quantile(pages, 0.5).toFixed(0),
      quantile(pages, 0.99).toFixed(0),
      (pages[pages.length - 1] ?? 0).toFixed(0),
    ]),
  );
  console.log(`\nserver peak RSS ${server.peakRssMiB()} MiB; load average ${loadAverage()}`);
  await server.stop();
} finally {
  await brand.drop();
}
