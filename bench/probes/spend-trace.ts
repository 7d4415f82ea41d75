/**
 * One member's points spends, each statement timed: what a spend costs in round trips and where the lock is held.
 * Usage: npx node bench/probes/spend-trace.ts [spends=200]   (PostgreSQL at BENCH_DATABASE_URL's server)
 */
import pino from "pino";
import { openEnclave } from "../../src/app.ts";
import { createApiKey } from "../../src/access/service.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createTenant } from "../../src/tenants/service.ts";
import { freshPostgres, quantile } from "../support.ts";
import { traceQueries } from "./trace.ts";

const SPENDS = Number(process.argv[2] ?? 200);
const fresh = await freshPostgres("bench_spend_trace");
const tracing = traceQueries();

const enclave = await openEnclave(loadConfig({ LOG_LEVEL: "silent", DATABASE_URL: fresh.url }), {
  log: pino({ level: "silent" }),
});
try {
  const db = enclave.platform.database.db;
  const tenant = await createTenant(db, {
    slug: "trace",
    name: "Trace",
    currency: "CNY",
    time_zone: "Asia/Shanghai",
  });
  const { key } = await createApiKey(db, tenant.tenant_id, { name: "bench", scope: "write" });
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
