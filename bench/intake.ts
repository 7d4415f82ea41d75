/**
 * Order intake from NATS JetStream with 1, 2 and 4 worker processes on PostgreSQL (`npm run bench -- intake [orders]`).
 * Orders are published first (16 partitions by member); then the workers start and the clock runs until all of
 * them are in the database. A last run adds one API process that relays the orders' events to every subscriber
 * (audience marks, guide results, campaigns, webhooks…) while two workers ingest; its clock runs until every order
 * is in and every event relayed: the end-to-end figure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { openDatabase } from "../src/platform/db/database.ts";
import { migrate } from "../src/platform/db/migrate.ts";
import { ensureIntakeStreams } from "../src/orders/intake/nats.ts";
import {
  DEAD_LETTER_STREAM,
  INTAKE_STREAM,
  intakeSubject,
  memberKey,
  partitionOf,
} from "../src/orders/intake/partitions.ts";
import { createTenant } from "../src/tenants/service.ts";
import { freshPostgres, MAIN, machine, row, startProcess, importBenchMembers } from "./support.ts";

const ORDERS = Number(process.argv[3] ?? 30_000);
const MEMBERS = 10_000;
const PARTITIONS = 16;
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

const pgdb = await freshPostgres("enclave_bench_intake");
const database = await openDatabase({ url: pgdb.url });
await migrate(database);
const tenant = await createTenant(database.db, {
  slug: "bench",
  name: "Bench",
  currency: "CNY",
  time_zone: "Asia/Shanghai",
});
const now = new Date();
const members = await importBenchMembers(database.db, tenant.tenant_id, MEMBERS, now);

const nc = await connect({ servers: NATS_URL });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);

async function publish(run: number): Promise<number> {
  const started = Date.now();
  const window: Promise<unknown>[] = [];
  for (let n = 0; n < ORDERS; n++) {
    const member = { member_id: members[Math.floor(Math.random() * members.length)] ?? "" };
    const paid = 1_000 + Math.floor(Math.random() * 30_000);
    const order = {
      channel: "pos",
      external_id: `intake-${run}-${n}`,
      member,
      currency: "CNY",
      ordered_at: new Date().toISOString(),
      lines: [{ sku: "TEA", quantity: 1, unit_price_minor: paid }],
      paid_minor: paid,
    };
    window.push(
      js.publish(
        intakeSubject(tenant.tenant_id, partitionOf(memberKey(member), PARTITIONS)),
        JSON.stringify(order),
      ),
    );
    if (window.length >= 2_000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  return Math.round((ORDERS * 1000) / (Date.now() - started));
}

function startWorker(index: number, workers: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      MAIN,
      "intake",
      "nats",
      "--worker",
      String(index),
      "--workers",
      String(workers),
      "--partitions",
      String(PARTITIONS),
      "--batch-size",
      "1000",
    ],
    {
      env: { ...process.env, LOG_LEVEL: "warn", DATABASE_URL: pgdb.url, NATS_URL },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
}

const peakRss = (child: ChildProcess) => {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

const scalar = async (query: ReturnType<typeof sql<{ n: number }>>) =>
  Number((await query.execute(database.db)).rows[0]?.n);

console.log(`machine: ${machine()}; ${ORDERS} orders per run, ${MEMBERS} members, ${PARTITIONS} partitions`);
console.log(
  row([
    "workers",
    "published/s",
    "ingested orders/s",
    "peak RSS MiB per worker",
    "ledger",
    "events relayed/s",
  ]),
);
const runs: { workers: number; relay: boolean }[] = [
  { workers: 1, relay: false },
  { workers: 2, relay: false },
  { workers: 4, relay: false },
  { workers: 2, relay: true },
];
for (const [run, { workers, relay }] of runs.entries()) {
  // A fresh stream and offsets per run, so each run measures the same work.
  for (const stream of [INTAKE_STREAM, DEAD_LETTER_STREAM])
    await jsm.streams.delete(stream).catch(() => false);
  await database.db.deleteFrom("intake_offsets").execute();
  await ensureIntakeStreams(nc);
  // Earlier runs' events are not this run's work: mark them relayed before the relaying process starts.
  await sql`UPDATE outbox SET relayed_at = now() WHERE relayed_at IS NULL`.execute(database.db);
  const published = await publish(run);
  const before = await scalar(sql`SELECT count(*)::int AS n FROM orders`);
  const server = relay ? await startProcess([MAIN, "start"], { DATABASE_URL: pgdb.url }, 3912) : undefined;
  const children = Array.from({ length: workers }, (_, i) => startWorker(i, workers));
  const count = async () => (await scalar(sql`SELECT count(*)::int AS n FROM orders`)) - before;
  // The clock starts with the first order in (process start-up is not intake).
  let first = await count();
  while (first === 0) {
    await new Promise((r) => setTimeout(r, 20));
    first = await count();
  }
  const started = Date.now();
  while ((await count()) < ORDERS) await new Promise((r) => setTimeout(r, 100));
  let seconds = (Date.now() - started) / 1000;
  let relayedPerSecond = "—";
  if (server) {
    const pending = () => scalar(sql`SELECT count(*)::int AS n FROM outbox WHERE relayed_at IS NULL`);
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 100));
    seconds = (Date.now() - started) / 1000;
    const events = await scalar(
      sql`SELECT count(*)::int AS n FROM outbox WHERE relayed_at >= ${new Date(started)}`,
    );
    relayedPerSecond = String(Math.round(events / seconds));
    await server.stop();
  }
  const rss = Math.max(...children.map(peakRss));
  for (const child of children) child.kill("SIGTERM");
  const { checkLedger } = await import("../src/points/audit.ts");
  const ledger = await checkLedger(database.db, tenant.tenant_id);
  console.log(
    row([
      relay ? `${workers} + 1 relaying API process` : workers,
      published,
      Math.round(ORDERS / seconds),
      rss,
      ledger.problems.length === 0 ? "ok" : "PROBLEMS",
      relayedPerSecond,
    ]),
  );
}
await nc.close();
await database.close();
await pgdb.drop();
