import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { type ImportedMember, importMembers } from "../src/members/service.ts";
import type { Db } from "../src/platform/db/database.ts";

export const ROOT = join(import.meta.dirname, "..");
export const MAIN = join(ROOT, "src/main.ts");
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function freshPostgres(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now()}`;
  await admin(`CREATE DATABASE ${name}`);
  return { url: databaseUrl(name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export interface Server {
  url: string;
  child: ChildProcess;
  /** Peak resident memory of the server process so far, in MiB (Linux VmHWM). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

export async function startProcess(
  args: string[],
  env: Record<string, string>,
  port: number,
): Promise<Server> {
  // BENCH_PROFILE=<folder>: the server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  // BENCH_SERVER_FLAGS="--trace-gc …": Node flags for the server only (not the load generator).
  const flags = (process.env.BENCH_SERVER_FLAGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...profile, ...flags, ...args], {
    env: {
      ...process.env,
      LOG_LEVEL: "warn",
      ENCLAVE_DEMO: "false",
      HOST: "127.0.0.1",
      PORT: String(port),
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  // The server never outlives the bench (an interrupted bench used to leave it holding the port).
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  for (const signal of ["SIGINT", "SIGTERM", "SIGPIPE"] as const)
    process.once(signal, () => {
      killChild();
      process.exit(1);
    });
  child.once("exit", () => process.off("exit", killChild));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    peakRssMiB() {
      // The process and its children: with ENCLAVE_WORKERS the server is a supervisor and its workers.
      const pid = child.pid ?? 0;
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      const pids = [pid, ...(children === "" ? [] : children.split(/\s+/).map(Number))];
      const kb = pids.reduce((sum, p) => {
        const status = readFileSync(`/proc/${p}/status`, "utf8");
        return sum + Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      }, 0);
      return Math.round(kb / 1024);
    },
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}

export const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export interface LoopResult {
  /** Requests finished, by outcome (the label the body returned). */
  outcomes: Map<string, number>;
  /** Latencies in ms, sorted, of every request. */
  latencies: number[];
  seconds: number;
}

/**
 * A closed loop: `workers` callers each send the next request when the last one answered, for `seconds`.
 * `send` returns an outcome label ("ok", "refused", …) counted in the result.
 */
export async function closedLoop(
  workers: number,
  seconds: number,
  send: (worker: number) => Promise<string>,
): Promise<LoopResult> {
  const outcomes = new Map<string, number>();
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        const s = performance.now();
        let outcome: string;
        try {
          outcome = await send(worker);
        } catch {
          outcome = "error";
        }
        latencies.push(performance.now() - s);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { outcomes, latencies, seconds: (performance.now() - started) / 1000 };
}

/** Load average (1, 5, 15 min) as shown by uptime. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

export interface OpenLoopResult {
  /** Requests answered per second over the run. */
  perSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and failed connections. */
  errors: number;
  total: number;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * An open loop at a constant arrival rate: request i is due at start + i / perSecond, sent then whether or not
 * earlier ones have answered, and its latency runs from when it was due (a late generator or a queue at the
 * server both count; no coordinated omission). This is what "p99 at 500 req/s" means; autocannon's
 * `overallRate` instead lets each connection send its quota for the second back to back and then wait, so its
 * latencies are those of a burst.
 */
/** BENCH_SLOW_MS=<ms>: the open loop prints each request slower than that, with the time it answered. */
const SLOW_MS = Number(process.env.BENCH_SLOW_MS ?? Infinity);

export async function openLoop(options: {
  url: string;
  path: string;
  headers: Record<string, string>;
  perSecond: number;
  seconds: number;
  body: () => string;
}): Promise<OpenLoopResult> {
  const target = new URL(options.path, options.url);
  const total = Math.round(options.perSecond * options.seconds);
  const latencies: number[] = [];
  let errors = 0;
  const send = (body: string) =>
    new Promise<boolean>((resolve) => {
      const req = httpRequest(
        target,
        {
          method: "POST",
          agent: keepAlive,
          headers: { ...options.headers, "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve((res.statusCode ?? 0) < 300));
        },
      );
      req.on("error", () => resolve(false));
      req.end(body);
    });
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / options.perSecond;
    const wait = due - performance.now();
    if (wait > 0.5) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      send(options.body()).then((ok) => {
        const latency = performance.now() - due;
        latencies.push(latency);
        if (latency > SLOW_MS)
          process.stderr.write(`slow at=${new Date().toISOString()} ms=${latency.toFixed(1)}\n`);
        if (!ok) errors++;
      }),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    perSecond: Math.round(total / seconds),
    p50: round(quantile(latencies, 0.5)),
    p99: round(quantile(latencies, 0.99)),
    errors,
    total: total - errors,
  };
}

/**
 * N members who joined a day before `now` (phones +86138 00000000, 00000001, …), imported in one transaction, then
 * `ANALYZE`: a fresh bulk load has no planner statistics until autovacuum runs, and a real deployment has them.
 * Returns their ids in phone order.
 */
export async function importBenchMembers(
  db: Db,
  tenantId: string,
  count: number,
  now: Date,
  channel = "bench",
): Promise<string[]> {
  const rows: ImportedMember[] = Array.from({ length: count }, (_, i) => ({
    phone: `+86138${String(i).padStart(8, "0")}`,
    name: null,
    gender: "unknown",
    birthday: null,
    region: null,
    consent: {},
    channel,
    store_id: null,
    guide_id: null,
    scene_key: null,
    joined_at: new Date(now.getTime() - 86_400_000),
  }));
  const created = await db.transaction().execute((tx) => importMembers(tx, tenantId, rows, now));
  await sql`ANALYZE`.execute(db);
  return created.map((m) => m.member_id);
}

let sequence = 0;
/** One random order of one line for a random one of `members`, paid 10–310 yuan, with an id never used before. */
export function randomOrder(members: readonly string[]) {
  const paid = 1_000 + Math.floor(Math.random() * 30_000);
  return {
    channel: "pos",
    external_id: `b-${process.pid}-${++sequence}`,
    member: { member_id: members[Math.floor(Math.random() * members.length)] },
    currency: "CNY",
    ordered_at: new Date().toISOString(),
    lines: [{ sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: paid }],
    paid_minor: paid,
  };
}

export const ORDER_BATCH = 1_000;

/** `clients` clients each posting batches of ORDER_BATCH random orders, the next as soon as the last is answered. */
export async function ingestBatches(
  server: Pick<Server, "url">,
  key: string,
  members: readonly string[],
  clients: number,
  seconds: number,
): Promise<{ perSecond: number; errors: number; total: number }> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        const res = await fetch(`${server.url}/v1/orders/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ orders: Array.from({ length: ORDER_BATCH }, () => randomOrder(members)) }),
        });
        if (res.ok) done += ORDER_BATCH;
        else errors++;
        await res.arrayBuffer();
      }
    }),
  );
  return { perSecond: Math.round((done * 1000) / (Date.now() - started)), errors, total: done };
}

/**
 * Waits until the relay has passed on every event written so far, and says how many were waiting: a workload then
 * starts without the previous one's backlog, and its own backlog at its end is reported beside its figure.
 */
export async function drained(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const pending = async () =>
      Number(
        (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE relayed_at IS NULL"))
          .rows[0]?.n ?? 0,
      );
    const backlog = await pending();
    const deadline = Date.now() + 120_000;
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    return backlog;
  } finally {
    await client.end();
  }
}

/**
 * Waits until the audience's re-evaluation job has taken every member events marked (it runs every minute): a
 * latency workload then measures the server in its steady state, not a bulk load's aftermath. Returns how many
 * members were waiting.
 */
export async function reevaluated(url: string, timeoutMs = 180_000): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const marked = async () =>
      Number(
        (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM audience_dirty_members")).rows[0]
          ?.n ?? 0,
      );
    const waiting = await marked();
    const deadline = Date.now() + timeoutMs;
    while ((await marked()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    return waiting;
  } finally {
    await client.end();
  }
}
