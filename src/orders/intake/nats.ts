import {
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { sql } from "kysely";
import type { Logger } from "pino";
import type { Database, Tx } from "../../platform/db/database.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { Problem } from "../../platform/http/problems.ts";
import { ingestOrders, MAX_BATCH_ORDERS } from "../ingest.ts";
import { toOrderInput } from "../routes.ts";
import { type IntakeMessage, parseIntakeMessage } from "./messages.ts";
import {
  DEAD_LETTER_PREFIX,
  DEAD_LETTER_STREAM,
  INTAKE_STREAM,
  INTAKE_SUBJECTS,
  intakeSubject,
  partitionsOf,
} from "./partitions.ts";

/**
 * Order intake from NATS JetStream. Each worker process reads a fixed share of the partitions; for each, an ordered
 * consumer starts right after the last message applied, which PostgreSQL records in the same transaction as the
 * orders themselves. So a crash resumes exactly where the database left off: nothing lost, nothing applied twice,
 * and one member's orders (one partition) applied in the order they were published. Two workers reading the same
 * partition by mistake are harmless: a lock per partition serialises them and the offset makes the later one skip.
 * Messages that can never be ingested (not JSON, not an order, a rule they break) go to
 * `enclave.orders-dead.<tenant>` with the reason, and the partition moves on.
 */

const STREAM_MAX_AGE_MS = 7 * 24 * 3_600_000;

export interface IntakeOptions {
  url: string;
  worker: number;
  workers: number;
  partitions: number;
  /** Messages taken per fetch and ingested in one transaction. */
  batchSize?: number;
}

export interface IntakeWorker {
  /** Messages applied (ingested or set aside) since start. */
  applied(): number;
  stop(): Promise<void>;
}

/** The order stream (kept 7 days: progress lives in the database, not in acknowledgements) and the dead letters. */
export async function ensureIntakeStreams(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  if (!(await jsm.streams.info(INTAKE_STREAM).catch(() => undefined)))
    await jsm.streams.add({
      name: INTAKE_STREAM,
      subjects: [INTAKE_SUBJECTS],
      max_age: nanos(STREAM_MAX_AGE_MS),
    });
  if (!(await jsm.streams.info(DEAD_LETTER_STREAM).catch(() => undefined)))
    await jsm.streams.add({ name: DEAD_LETTER_STREAM, subjects: [`${DEAD_LETTER_PREFIX}.>`] });
}

export async function startIntakeWorker(
  database: Database,
  log: Logger,
  options: IntakeOptions,
  now: () => Date = () => new Date(),
): Promise<IntakeWorker> {
  const nc = await connect({ servers: options.url, name: `enclave-intake-${options.worker}` });
  await ensureIntakeStreams(nc);
  const js = jetstream(nc);
  const batchSize = Math.min(options.batchSize ?? 500, MAX_BATCH_ORDERS);
  let running = true;
  let applied = 0;

  const follow = async (partition: number) => {
    while (running) {
      try {
        const consumer = await consumerAfter(js, partition, await lastApplied(database, partition));
        while (running) {
          const messages = await fetchBatch(consumer, batchSize);
          if (messages.length > 0) applied += await applyBatch(database, js, partition, messages, now());
        }
      } catch (error) {
        // The database or NATS went away: start over from the offset the database holds.
        log.error({ err: error, partition }, "intake interrupted; resuming from the last applied message");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  };
  const loops = partitionsOf(options.worker, options.workers, options.partitions).map(follow);
  log.info(
    { worker: options.worker, workers: options.workers, partitions: options.partitions },
    "intake started",
  );
  return {
    applied: () => applied,
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      await nc.drain();
    },
  };
}

async function lastApplied(database: Database, partition: number): Promise<number> {
  const row = await database.db
    .selectFrom("intake_offsets")
    .select("last_seq")
    .where("stream", "=", INTAKE_STREAM)
    .where("partition", "=", partition)
    .executeTakeFirst();
  return row?.last_seq ?? 0;
}

function consumerAfter(js: JetStreamClient, partition: number, lastSeq: number): Promise<Consumer> {
  return js.consumers.get(INTAKE_STREAM, {
    filter_subjects: intakeSubject("*", partition),
    ...(lastSeq > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }
      : { deliver_policy: DeliverPolicy.All }),
  });
}

async function fetchBatch(consumer: Consumer, max: number): Promise<JsMsg[]> {
  const messages: JsMsg[] = [];
  for await (const message of await consumer.fetch({ max_messages: max, expires: 1_000 }))
    messages.push(message);
  return messages;
}

class BatchRefused extends Error {}

/** Applies a batch in one transaction, or, when some order in it breaks a rule, one message at a time. */
async function applyBatch(
  database: Database,
  js: JetStreamClient,
  partition: number,
  messages: JsMsg[],
  now: Date,
): Promise<number> {
  const parsed = messages.map(parseIntakeMessage);
  for (const item of parsed)
    if ("reason" in item) await deadLetter(js, item.message, item.tenantId, item.reason);
  const orders = parsed.filter((item): item is IntakeMessage => !("reason" in item));
  try {
    return await inPartition(database, partition, messages, async (tx, fresh) => {
      const byTenant = new Map<string, IntakeMessage[]>();
      for (const item of orders.filter((o) => fresh.has(o.message.seq)))
        byTenant.set(item.tenantId, [...(byTenant.get(item.tenantId) ?? []), item]);
      for (const [tenantId, items] of byTenant) {
        await ingestOrders(
          tx,
          tenantId,
          items.map((i) => toOrderInput(i.order)),
          "intake:nats",
          now,
        ).catch((error: unknown) => {
          throw error instanceof Problem ? new BatchRefused(error.message) : error;
        });
      }
    });
  } catch (error) {
    if (!(error instanceof BatchRefused)) throw error;
  }
  let count = 0;
  for (const item of parsed) {
    if ("reason" in item) continue;
    try {
      count += await inPartition(database, partition, [item.message], async (tx, fresh) => {
        if (fresh.has(item.message.seq))
          await ingestOrders(tx, item.tenantId, [toOrderInput(item.order)], "intake:nats", now);
      });
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      await deadLetter(js, item.message, item.tenantId, `${error.code}: ${error.message}`);
      // Set aside: the partition moves past it.
      count += await inPartition(database, partition, [item.message], async () => undefined);
    }
  }
  return count;
}

/**
 * Runs `work` for the messages of a partition not applied yet, under the partition's lock, and records the last
 * sequence in the same transaction. Returns how many messages were new.
 */
async function inPartition(
  database: Database,
  partition: number,
  messages: JsMsg[],
  work: (tx: Tx, fresh: Set<number>) => Promise<void>,
): Promise<number> {
  const lastSeq = Math.max(...messages.map((m) => m.seq));
  return retryOnConflict(() =>
    database.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${INTAKE_STREAM}), ${partition})`.execute(tx);
      const row = await tx
        .selectFrom("intake_offsets")
        .select("last_seq")
        .where("stream", "=", INTAKE_STREAM)
        .where("partition", "=", partition)
        .executeTakeFirst();
      const fresh = new Set(messages.map((m) => m.seq).filter((seq) => seq > (row?.last_seq ?? 0)));
      if (fresh.size === 0) return 0;
      await work(tx, fresh);
      await tx
        .insertInto("intake_offsets")
        .values({ stream: INTAKE_STREAM, partition, last_seq: lastSeq, updated_at: new Date() })
        .onConflict((oc) =>
          oc.columns(["stream", "partition"]).doUpdateSet({ last_seq: lastSeq, updated_at: new Date() }),
        )
        .execute();
      return fresh.size;
    }),
  );
}

async function deadLetter(
  js: JetStreamClient,
  message: JsMsg,
  tenantId: string,
  reason: string,
): Promise<void> {
  const payload = JSON.stringify({
    subject: message.subject,
    sequence: message.seq,
    reason,
    data: new TextDecoder().decode(message.data),
  });
  await js.publish(`${DEAD_LETTER_PREFIX}.${tenantId}`, payload);
}
