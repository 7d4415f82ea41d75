/**
 * Analytics on a streaming replica while orders pour in: a private primary and a hot standby made from it
 * (pg_basebackup), both durable (fsync on); Enclave writes to the one and answers its reports from the other
 * (DATABASE_READ_URL). Two clients ingest HTTP batches for N seconds while the standby's replay lag is sampled every
 * 100 ms (pg_stat_replication on the primary) and the sales report is read from the standby back to back.
 * Usage: npm run bench -- replica [seconds=10]
 */
import { createApiKey } from "../src/access/service.ts";
import { openDatabase } from "../src/platform/db/database.ts";
import { migrate } from "../src/platform/db/migrate.ts";
import { createTenant } from "../src/tenants/service.ts";
import { query, startCluster, startStandby } from "../test/support/postgres-cluster.ts";
import {
  importBenchMembers,
  ingestBatches,
  loadAverage,
  machine,
  MAIN,
  ORDER_BATCH,
  quantile,
  row,
  startProcess,
} from "./support.ts";

const SECONDS = Number(process.argv[3] ?? 10);
const MEMBERS = 10_000;

console.log(`machine: ${machine()}; load average ${loadAverage()}; ${SECONDS} s; ${MEMBERS} members`);
const primary = await startCluster({ durable: true });
const standby = await startStandby(primary, { durable: true });
try {
  await query(primary.url("postgres"), "CREATE DATABASE enclave");
  const database = await openDatabase({ url: primary.url("enclave") });
  await migrate(database);
  const tenant = await createTenant(database.db, {
    slug: "bench",
    name: "Bench",
    currency: "CNY",
    time_zone: "Asia/Shanghai",
  });
  const { key } = await createApiKey(database.db, tenant.tenant_id, { name: "bench", scope: "write" });
  const members = await importBenchMembers(database.db, tenant.tenant_id, MEMBERS, new Date());
  await database.close();
  const server = await startProcess(
    [MAIN, "start"],
    { DATABASE_URL: primary.url("enclave"), DATABASE_READ_URL: standby.url("enclave") },
    3921,
  );

  let running = true;
  const lagMs: number[] = [];
  const lagBytes: number[] = [];
  const sampler = (async () => {
    while (running) {
      const [sample] = await query<{ ms: number | null; bytes: string | null }>(
        primary.url("postgres"),
        `SELECT (EXTRACT(epoch FROM replay_lag) * 1000)::float8 AS ms,
                pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS bytes
         FROM pg_stat_replication`,
      );
      // replay_lag is null while the standby is idle and caught up.
      lagMs.push(sample?.ms ?? 0);
      lagBytes.push(Number(sample?.bytes ?? 0));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const reportMs: number[] = [];
  let reportErrors = 0;
  const reader = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${server.url}/v1/audience/analytics/sales`, {
        headers: { authorization: `Bearer ${key}` },
      });
      await res.arrayBuffer();
      if (res.ok) reportMs.push(performance.now() - started);
      else reportErrors++;
    }
  })();
  const ingest = await ingestBatches(server, key, members, 2, SECONDS);
  running = false;
  await Promise.all([sampler, reader]);

  // How long the standby takes to replay the rest once the load stops.
  const caughtUpFrom = performance.now();
  for (;;) {
    const [left] = await query<{ bytes: string }>(
      primary.url("postgres"),
      "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS bytes FROM pg_stat_replication",
    );
    if (Number(left?.bytes ?? 0) <= 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const catchUp = performance.now() - caughtUpFrom;
  const [counted] = await query<{ n: number }>(
    standby.url("enclave"),
    "SELECT count(*)::int AS n FROM orders",
  );
  await server.stop();

  lagMs.sort((a, b) => a - b);
  lagBytes.sort((a, b) => a - b);
  reportMs.sort((a, b) => a - b);
  console.log(
    row([
      "ingest orders/s",
      "errors",
      "replay lag p50 / p99 / max ms",
      "WAL behind max KiB",
      "catch-up after the load ms",
      "sales report on the standby p50 / max ms",
      "reports",
    ]),
  );
  console.log(
    row([
      `${ingest.perSecond} (batches of ${ORDER_BATCH}, 2 clients)`,
      ingest.errors + reportErrors,
      `${quantile(lagMs, 0.5).toFixed(1)} / ${quantile(lagMs, 0.99).toFixed(1)} / ${(lagMs.at(-1) ?? 0).toFixed(1)}`,
      Math.round((lagBytes.at(-1) ?? 0) / 1024),
      Math.round(catchUp),
      `${quantile(reportMs, 0.5).toFixed(0)} / ${(reportMs.at(-1) ?? 0).toFixed(0)}`,
      reportMs.length,
    ]),
  );
  console.log(`orders on the standby afterwards: ${counted?.n} of ${ingest.total}`);
} finally {
  standby.remove();
  primary.remove();
}
