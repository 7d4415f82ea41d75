import { type ChildProcess, spawn } from "node:child_process";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../../test/support/databases.ts";
import { MAIN } from "../../../test/support/process.ts";
import { importMembers } from "../../members/service.ts";
import { checkLedger } from "../../points/audit.ts";
import { createTenant } from "../../tenants/service.ts";
import { ensureIntakeStreams } from "./nats.ts";
import { DEAD_LETTER_STREAM, INTAKE_STREAM, intakeSubject, memberKey, partitionOf } from "./partitions.ts";

/**
 * Order intake from NATS JetStream with real worker processes on PostgreSQL: two workers share the partitions, one
 * is killed with -9 halfway and started again; every order is applied once, each member's orders in the order they
 * were published, and the messages that can never be orders are set aside as dead letters.
 */

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const PARTITIONS = 8;
const MEMBERS = 60;
const ORDERS = 3_000;

async function natsReachable(): Promise<NatsConnection | undefined> {
  try {
    return await connect({ servers: NATS_URL, timeout: 2_000 });
  } catch {
    if (process.env.CI) throw new Error(`CI needs NATS with JetStream at ${NATS_URL}`);
    return undefined;
  }
}

function startWorker(index: number, env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    [
      MAIN,
      "intake",
      "nats",
      "--worker",
      String(index),
      "--workers",
      "2",
      "--partitions",
      String(PARTITIONS),
      "--batch-size",
      "200",
    ],
    { env: { ...process.env, LOG_LEVEL: "warn", NATS_URL, ...env }, stdio: "ignore" },
  );
}

describe("order intake from NATS JetStream, on PostgreSQL", { timeout: 300_000 }, () => {
  let nc: NatsConnection | undefined;
  let handle: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    nc = await natsReachable();
    if (!nc) return;
    // A clean stream for this run (these are the local test server's streams).
    const jsm = await jetstreamManager(nc);
    for (const stream of [INTAKE_STREAM, DEAD_LETTER_STREAM])
      await jsm.streams.delete(stream).catch(() => false);
    await ensureIntakeStreams(nc);
    handle = await freshDatabase("postgres");
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill("SIGKILL");
    await nc?.close();
    await handle?.dispose();
  });

  it("applies every order once and in order per member, across two workers and a crash", async (context) => {
    if (!nc || !handle) return context.skip();
    const db = handle.database.db;
    const tenant = await createTenant(db, {
      slug: "intake",
      name: "Intake Tea",
      currency: "CNY",
      time_zone: "Asia/Shanghai",
    });
    const joinedAt = new Date(Date.now() - 86_400_000);
    const members = await db.transaction().execute((tx) =>
      importMembers(
        tx,
        tenant.tenant_id,
        Array.from({ length: MEMBERS }, (_, i) => ({
          phone: `+8613900${String(i).padStart(6, "0")}`,
          name: null,
          gender: "unknown" as const,
          birthday: null,
          region: null,
          consent: {},
          channel: "pos",
          store_id: null,
          guide_id: null,
          scene_key: null,
          joined_at: joinedAt,
        })),
        new Date(),
      ),
    );

    const js = jetstream(nc);
    const orderedFrom = Date.now() - 3_600_000;
    for (let n = 0; n < ORDERS; n++) {
      const member = { member_id: members[n % MEMBERS]?.member_id ?? "" };
      const order = {
        channel: "pos",
        external_id: `nats-${n}`,
        member,
        currency: "CNY",
        ordered_at: new Date(orderedFrom + n * 1_000).toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 1_000 + (n % 9) * 100 }],
        paid_minor: 1_000 + (n % 9) * 100,
      };
      await js.publish(
        intakeSubject(tenant.tenant_id, partitionOf(memberKey(member), PARTITIONS)),
        JSON.stringify(order),
      );
    }
    // Three messages that can never be orders: not JSON, not an order, an order of a member who does not exist.
    await js.publish(intakeSubject(tenant.tenant_id, 1), "{not json");
    await js.publish(intakeSubject(tenant.tenant_id, 2), JSON.stringify({ channel: "pos" }));
    const stranger = { member_id: "mem_nobody" };
    await js.publish(
      intakeSubject(tenant.tenant_id, partitionOf(memberKey(stranger), PARTITIONS)),
      JSON.stringify({
        channel: "pos",
        external_id: "nats-stranger",
        member: stranger,
        currency: "CNY",
        ordered_at: new Date(orderedFrom).toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 1_000 }],
        paid_minor: 1_000,
      }),
    );

    const env = { DATABASE_URL: handle.url ?? "" };
    workers.push(startWorker(0, env), startWorker(1, env));
    const count = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM orders`.execute(db)).rows[0]?.n ?? 0;
    const waitFor = async (target: (n: number) => boolean) => {
      for (let i = 0; i < 1_200; i++) {
        if (target(await count())) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`intake stalled at ${await count()} orders`);
    };
    await waitFor((n) => n >= ORDERS / 4);
    workers[0]?.kill("SIGKILL");
    workers.push(startWorker(0, env));
    await waitFor((n) => n >= ORDERS);
    // Dead letters are written before the partition moves on; give the last ones a moment.
    const jsm = await jetstreamManager(nc);
    for (let i = 0; i < 50 && (await jsm.streams.info(DEAD_LETTER_STREAM)).state.messages < 3; i++)
      await new Promise((r) => setTimeout(r, 100));

    const orders = await sql<{ external_id: string; member_id: string; created_at: Date }>`
      SELECT external_id, member_id, created_at FROM orders ORDER BY member_id`.execute(db);
    expect(orders.rows).toHaveLength(ORDERS);
    expect(new Set(orders.rows.map((o) => o.external_id)).size).toBe(ORDERS);
    // Each member's orders were applied in publish order: commit times never go backwards along the sequence.
    const byMember = new Map<string, { n: number; at: number }[]>();
    for (const o of orders.rows)
      byMember.set(o.member_id, [
        ...(byMember.get(o.member_id) ?? []),
        { n: Number(o.external_id.slice(5)), at: o.created_at.getTime() },
      ]);
    for (const sequence of byMember.values()) {
      sequence.sort((a, b) => a.n - b.n);
      for (let i = 1; i < sequence.length; i++)
        expect(sequence[i]?.at ?? 0).toBeGreaterThanOrEqual(sequence[i - 1]?.at ?? 0);
    }
    expect((await checkLedger(db, tenant.tenant_id)).problems).toEqual([]);
    const dead = await jsm.streams.info(DEAD_LETTER_STREAM);
    expect(dead.state.messages).toBe(3);
    const offsets = await db.selectFrom("intake_offsets").select(["partition", "last_seq"]).execute();
    expect(offsets.length).toBe(PARTITIONS);
  });
});
