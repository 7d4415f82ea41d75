import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/databases.ts";
import { cli, type RunningServer, startServer } from "../support/process.ts";

/**
 * kill -9 of the server in the middle of a large ingest (20,000 orders in `npm run test:faults`, fewer in
 * `npm test`). The client then does what any integration does after a crash: it sends everything again, this time
 * to two server processes on the same database at once. Afterwards every order is there once, its points were
 * posted once, and the ledger balances.
 */

const ORDERS = Number(process.env.CRASH_ORDERS ?? 6_000);
const BATCH = 1_000;
const MEMBERS = 200;

async function post(server: RunningServer, path: string, token: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function batch(index: number, members: string[], orderedFrom: number) {
  const orders = [];
  for (let n = index * BATCH; n < Math.min(ORDERS, (index + 1) * BATCH); n++) {
    const paid = (1 + (n % 50)) * 100;
    orders.push({
      channel: "pos",
      external_id: `crash-${n}`,
      member: { member_id: members[n % members.length] },
      currency: "CNY",
      ordered_at: new Date(orderedFrom + (n % BATCH)).toISOString(),
      lines: [{ sku: `SKU-${n % 7}`, quantity: 1, unit_price_minor: paid }],
      paid_minor: paid,
    });
  }
  return { orders };
}

/** Sends batches from `first` on, two at a time; a batch is retried until the server takes it. */
async function sendAll(
  server: (worker: number) => RunningServer,
  token: string,
  members: string[],
  orderedFrom: number,
  onSent?: () => void,
) {
  const batches = Math.ceil(ORDERS / BATCH);
  let next = 0;
  const worker = async (id: number) => {
    for (let index = next++; index < batches; index = next++) {
      for (;;) {
        const res = await post(
          server(id),
          "/v1/orders/batch",
          token,
          batch(index, members, orderedFrom),
        ).catch(() => null);
        if (res?.status === 200) break;
        if (res && res.status !== 503)
          throw new Error(`batch ${index}: ${res.status} ${JSON.stringify(res.body)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      onSent?.();
    }
  };
  await Promise.all([worker(0), worker(1)]);
}

describe("kill -9 during a large ingest, on PostgreSQL", { timeout: 600_000 }, () => {
  const servers: RunningServer[] = [];
  let handle: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  afterAll(async () => {
    for (const server of servers) await server.stop("SIGKILL");
    await handle?.dispose();
  });

  it("counts every order once and keeps the ledger balanced after a crash and a resend to two processes", async () => {
    handle = await freshDatabase("postgres");
    const env = { DATABASE_URL: handle.url ?? "", ENCLAVE_DEMO: "false" };
    expect(
      (await cli(["tenant", "create", "--slug", "crash", "--name", "Crash Tea", "--json"], env)).code,
    ).toBe(0);
    const key = await cli(
      ["apikey", "create", "--tenant", "crash", "--name", "pos", "--scope", "write", "--json"],
      env,
    );
    expect(key.code, key.stderr).toBe(0);
    const token = JSON.parse(key.stdout).key as string;

    let server = await startServer(env);
    servers.push(server);
    const members: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const res = await post(server, "/v1/members", token, {
        phone: `1370000${String(i).padStart(4, "0")}`,
        channel: "pos",
      });
      expect(res.status).toBe(201);
      members.push(String(res.body.member_id));
    }

    // Orders placed after the members joined (earlier ones would earn nothing).
    const orderedFrom = Date.now();
    await new Promise((r) => setTimeout(r, BATCH + 100));

    // First pass: the server is killed once a few batches have landed, with others in flight.
    let sent = 0;
    let killed = false;
    const firstPass = sendAll(
      () => server,
      token,
      members,
      orderedFrom,
      () => {
        if (++sent === Math.ceil(ORDERS / BATCH / 3) && !killed) {
          killed = true;
          server.process.kill("SIGKILL");
        }
      },
    ).catch(() => undefined);
    // The first pass keeps retrying against the dead server until a new one is up on the same database.
    while (!killed) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    // The crash interrupted the ingest: part of it is in, the rest is not.
    const landed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM orders`.execute(
      handle.database.db,
    );
    expect(landed.rows[0]?.n).toBeGreaterThan(0);
    expect(landed.rows[0]?.n).toBeLessThan(ORDERS);
    const restarted = await startServer({ ...env });
    servers.push(restarted);
    server = restarted;
    await firstPass;
    // Second pass: the client, unsure what landed, sends all of it again, to two processes at once.
    const second = await startServer({ ...env });
    servers.push(second);
    await sendAll((worker) => (worker === 0 ? server : second), token, members, orderedFrom);

    const db = handle.database.db;
    const orders = await sql<{ orders: number; distinct_ids: number; points: number; base: number }>`
      SELECT count(*)::int AS orders, count(DISTINCT external_id)::int AS distinct_ids,
        coalesce(sum(points_earned), 0)::int AS points, coalesce(sum(paid_minor / 100), 0)::int AS base
      FROM orders`.execute(db);
    const totals = orders.rows[0];
    expect(totals?.orders).toBe(ORDERS);
    expect(totals?.distinct_ids).toBe(ORDERS);
    // Every order earned at least the base rate (tiers may multiply it) and its points are in the ledger once.
    expect(totals?.points).toBeGreaterThanOrEqual(totals?.base ?? Infinity);
    const created = await sql<{ events: number }>`
      SELECT count(*)::int AS events FROM outbox WHERE type = 'order.created'`.execute(db);
    expect(created.rows[0]?.events).toBe(ORDERS);

    const get = async (path: string) =>
      (
        await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
      ).json() as Promise<Record<string, unknown>>;
    const liability = await get("/v1/points/liability");
    expect(liability.issued).toBe(totals?.points);
    expect(liability.outstanding).toBe(totals?.points);
    const check = await get("/v1/points/check");
    expect(check.problems).toEqual([]);
  });
});
