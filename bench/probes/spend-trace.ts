/**
 * One member's points spends, each statement timed: what a spend costs in round trips and where the lock is held.
 * Usage: npx node bench/probes/spend-trace.ts [spends=200]   (PostgreSQL at BENCH_DATABASE_URL's server)
 */
import { quantile } from "../support.ts";
import { probeBrand, traceQueries } from "./trace.ts";

const SPENDS = Number(process.argv[2] ?? 200);
const tracing = traceQueries();
const { fresh, enclave, key } = await probeBrand("bench_spend_trace");
try {
  const call = async (url: string, body: unknown) => {
    const res = await enclave.http.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return JSON.parse(res.body) as Record<string, unknown>;
  };
  const member = String((await call("/v1/members", { phone: "13800138000", channel: "api" })).member_id);
  for (let i = 0; i < 20; i++)
    await call(`/v1/members/${member}/points/adjustments`, { amount: 1_000, reason: "seed lots" });
  const whole: number[] = [];
  for (let i = 0; i < SPENDS; i++) {
    tracing.on = i >= 20; // the first ones warm caches and prepare statements
    const started = performance.now();
    await call(`/v1/members/${member}/points/spend`, { amount: 7, reason: "trace", reference: `r${i}` });
    if (tracing) whole.push(performance.now() - started);
  }
  tracing.on = false;
  const n = SPENDS - 20;
  whole.sort((a, b) => a - b);
  console.log(
    `spend over inject: p50 ${quantile(whole, 0.5).toFixed(2)} ms, p99 ${quantile(whole, 0.99).toFixed(2)} ms`,
  );
  for (const line of tracing.report(n, "spend")) console.log(line);
} finally {
  await enclave.close();
  await fresh.drop();
}
