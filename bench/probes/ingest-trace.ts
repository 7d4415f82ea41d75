/**
 * Batches of 1,000 orders ingested one after another, each statement timed: which writes a batch spends its time on.
 * Usage: npx node bench/probes/ingest-trace.ts [batches=20]   (PostgreSQL at BENCH_DATABASE_URL's server)
 */
import { importBenchMembers, quantile } from "../support.ts";
import { probeBrand, traceQueries } from "./trace.ts";

const BATCHES = Number(process.argv[2] ?? 20);
const WARM = 3;
const tracing = traceQueries();
const { fresh, enclave, db, tenantId, key } = await probeBrand("bench_ingest_trace");
try {
  const members = await importBenchMembers(db, tenantId, 10_000, new Date());
  let sequence = 0;
  const whole: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const orders = Array.from({ length: 1_000 }, () => {
      const paid = 1_000 + Math.floor(Math.random() * 30_000);
      return {
        channel: "pos",
        external_id: `t-${++sequence}`,
        member: { member_id: members[Math.floor(Math.random() * members.length)] },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: paid }],
        paid_minor: paid,
      };
    });
    tracing.on = b >= WARM;
    const started = performance.now();
    const res = await enclave.http.inject({
      method: "POST",
      url: "/v1/orders/batch",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      payload: JSON.stringify({ orders }),
    });
    if (res.statusCode >= 300) throw new Error(`${res.statusCode} ${res.body.slice(0, 300)}`);
    if (tracing.on) whole.push(performance.now() - started);
  }
  tracing.on = false;
  whole.sort((a, b) => a - b);
  console.log(`batch of 1,000 over inject: p50 ${quantile(whole, 0.5).toFixed(1)} ms`);
  for (const line of tracing.report(BATCHES - WARM, "batch")) console.log(line);
} finally {
  await enclave.close();
  // BENCH_KEEP=1 leaves the database for EXPLAIN (its URL is printed).
  if (process.env.BENCH_KEEP === "1") console.log(`kept: ${fresh.url}`);
  else await fresh.drop();
}
