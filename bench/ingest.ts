/**
 * Order ingest throughput: one order per HTTP request and batches of 1,000, on PostgreSQL and on the embedded
 * database, beside the naive peer (bench/peer/naive-server.ts). Usage: npm run bench -- ingest [seconds]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { createApiKey } from "../src/access/service.ts";
import { type Database, openDatabase } from "../src/platform/db/database.ts";
import { migrate } from "../src/platform/db/migrate.ts";
import { createTenant } from "../src/tenants/service.ts";
import {
  drained,
  freshPostgres,
  machine,
  MAIN,
  row,
  type Server,
  startProcess,
  importBenchMembers,
  ingestBatches,
  ORDER_BATCH,
  randomOrder,
} from "./support.ts";

const SECONDS = Number(process.argv[3] ?? 10);
/** `BENCH_INGEST_ONLY=batch` measures PostgreSQL HTTP batches alone (one process, 2 clients): the quick loop. */
const ONLY_BATCH = process.env.BENCH_INGEST_ONLY === "batch";
/** Clients sending batches to one process (BENCH_INGEST_CLIENTS, default 2). */
const CLIENTS = Number(process.env.BENCH_INGEST_CLIENTS ?? 2);
const MEMBERS = 10_000;

async function seed(database: Database): Promise<{ key: string; members: string[] }> {
  await migrate(database);
  const tenant = await createTenant(database.db, {
    slug: "bench",
    name: "Bench",
    currency: "CNY",
    time_zone: "Asia/Shanghai",
  });
  const key = await createApiKey(database.db, tenant.tenant_id, { name: "bench", scope: "write" });
  const members = await importBenchMembers(database.db, tenant.tenant_id, MEMBERS, new Date());
  return { key: key.key, members };
}

async function single(server: Server, key: string, members: string[], connections: number) {
  const result = await autocannon({
    url: server.url,
    connections,
    duration: SECONDS,
    requests: [
      {
        method: "POST",
        path: "/v1/orders",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(randomOrder(members)) }),
      },
    ],
  });
  return {
    perSecond: Math.round(result.requests.average),
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    total: result["2xx"],
  };
}

async function check(server: Server, key: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/points/check`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { ok: boolean; entries: number };
  return body.ok ? `ledger ok (${body.entries} entries)` : "LEDGER PROBLEMS";
}

const lines: string[] = [];
const report = (cells: (string | number)[]) => {
  lines.push(row(cells));
  console.log(row(cells));
};

console.log(`machine: ${machine()}; ${SECONDS} s per workload; ${MEMBERS} members`);
console.log(row(["workload", "database", "orders/s", "p99 ms", "errors", "peak RSS MiB", "check"]));

// PostgreSQL
{
  const pgdb = await freshPostgres("enclave_bench");
  const database = await openDatabase({ url: pgdb.url });
  const { key, members } = await seed(database);
  await database.close();
  const server = await startProcess([MAIN, "start"], { DATABASE_URL: pgdb.url }, 3901);
  if (ONLY_BATCH) {
    const b = await ingestBatches(server, key, members, CLIENTS, SECONDS);
    report([
      `HTTP, batches of ${ORDER_BATCH} (${CLIENTS} clients)`,
      "PostgreSQL",
      b.perSecond,
      "—",
      b.errors,
      server.peakRssMiB(),
      await check(server, key),
    ]);
    await server.stop();
    await pgdb.drop();
    process.exit(0);
  }
  const s = await single(server, key, members, 64);
  report([
    "HTTP, one order per request (64 connections)",
    "PostgreSQL",
    s.perSecond,
    s.p99,
    s.errors,
    server.peakRssMiB(),
    await check(server, key),
  ]);
  console.log(`events still to relay after the last workload: ${await drained(pgdb.url)}`);
  const b = await ingestBatches(server, key, members, CLIENTS, SECONDS);
  report([
    `HTTP, batches of ${ORDER_BATCH} (${CLIENTS} clients)`,
    "PostgreSQL",
    b.perSecond,
    "—",
    b.errors,
    server.peakRssMiB(),
    await check(server, key),
  ]);
  await server.stop();

  // The same on two server processes (ENCLAVE_WORKERS=2): Node runs JavaScript on one core per process.
  const pair = await startProcess([MAIN, "start"], { DATABASE_URL: pgdb.url, ENCLAVE_WORKERS: "2" }, 3903);
  console.log(`events still to relay after the last workload: ${await drained(pgdb.url)}`);
  const s2 = await single(pair, key, members, 64);
  report([
    "HTTP, one order per request (64 connections), 2 processes",
    "PostgreSQL",
    s2.perSecond,
    s2.p99,
    s2.errors,
    pair.peakRssMiB(),
    await check(pair, key),
  ]);
  console.log(`events still to relay after the last workload: ${await drained(pgdb.url)}`);
  const b2 = await ingestBatches(pair, key, members, 4, SECONDS);
  report([
    `HTTP, batches of ${ORDER_BATCH} (4 clients), 2 processes`,
    "PostgreSQL",
    b2.perSecond,
    "—",
    b2.errors,
    pair.peakRssMiB(),
    await check(pair, key),
  ]);
  console.log(`events still to relay after the last workload: ${await drained(pgdb.url)}`);
  await pair.stop();

  const peer = await startProcess(
    [join(import.meta.dirname, "peer/naive-server.ts")],
    { DATABASE_URL: pgdb.url },
    3902,
  );
  const p = await single(peer, key, members, 64);
  report([
    "peer: naive ingest, one order per request (64 connections)",
    "PostgreSQL",
    p.perSecond,
    p.p99,
    p.errors,
    peer.peakRssMiB(),
    "—",
  ]);
  await peer.stop();
  console.log(
    `Enclave / peer, one order per request: ${(s.perSecond / Math.max(1, p.perSecond)).toFixed(2)}×`,
  );
  await pgdb.drop();
}

// Embedded (PGlite)
{
  const dir = mkdtempSync(join(tmpdir(), "enclave-bench-"));
  const database = await openDatabase({ dataDir: dir });
  const { key, members } = await seed(database);
  await database.close();
  const server = await startProcess([MAIN, "start"], { ENCLAVE_DATA_DIR: dir }, 3903);
  const s = await single(server, key, members, 16);
  report([
    "HTTP, one order per request (16 connections)",
    "PGlite",
    s.perSecond,
    s.p99,
    s.errors,
    server.peakRssMiB(),
    await check(server, key),
  ]);
  const b = await ingestBatches(server, key, members, 1, SECONDS);
  report([
    `HTTP, batches of ${ORDER_BATCH} (1 client)`,
    "PGlite",
    b.perSecond,
    "—",
    b.errors,
    server.peakRssMiB(),
    await check(server, key),
  ]);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
