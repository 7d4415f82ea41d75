import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
} from "@nats-io/jetstream";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import type { Logger } from "pino";
import type { Static } from "typebox";
import type { Database } from "../../platform/db/database.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { Problem } from "../../platform/http/problems.ts";
import { type IngestResult, ingestOrders, MAX_BATCH_ORDERS } from "../ingest.ts";
import { toOrderInput } from "../routes.ts";
import { OrderBody } from "../schemas.ts";
import {
  DEAD_LETTER_PREFIX,
  DEAD_LETTER_STREAM,
  INTAKE_STREAM,
  INTAKE_SUBJECTS,
  intakeSubject,
  parseIntakeSubject,
  partitionsOf,
} from "./partitions.ts";

/**
 * Order intake from NATS JetStream: each worker process reads a fixed share of the partitions, one durable
 * consumer per partition, a batch at a time, and acknowledges a batch only after its transaction committed. A
 * crash before the acknowledgement redelivers the batch, which the idempotent ingest (channel + external id)
 * answers as already known: nothing is lost or counted twice. Messages that can never be ingested (not JSON,
 * not an order, an unknown brand, a rule they break) go to `enclave.orders-dead.<tenant>` with the reason.
 */

const ajv = new Ajv({ allErrors: true, strict: false, removeAdditional: false });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);
const validOrder = ajv.compile<Static<typeof OrderBody>>(OrderBody);

export interface IntakeOptions {
  url: string;
  worker: number;
  workers: number;
  partitions: number;
  /** Messages taken per fetch and ingested in one transaction. */
  batchSize?: number;
}

export interface IntakeWorker {
  /** Orders ingested (new or already known) since start. */
  ingested(): number;
  stop(): Promise<void>;
}

/** Creates the streams when missing: work-queue retention for orders (a message goes once acknowledged). */
export async function ensureIntakeStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  if (!(await jsm.streams.info(INTAKE_STREAM).catch(() => undefined))) {
    await jsm.streams.add({
      name: INTAKE_STREAM,
      subjects: [INTAKE_SUBJECTS],
      retention: RetentionPolicy.Workqueue,
    });
  }
  // Dead letters are kept (limits retention) for an operator to read, fix and publish again.
  if (!(await jsm.streams.info(DEAD_LETTER_STREAM).catch(() => undefined))) {
    await jsm.streams.add({ name: DEAD_LETTER_STREAM, subjects: [`${DEAD_LETTER_PREFIX}.>`] });
  }
}

export async function startIntakeWorker(
  database: Database,
  log: Logger,
  options: IntakeOptions,
  now: () => Date = () => new Date(),
): Promise<IntakeWorker> {
  const nc = await connect({ servers: options.url, name: `enclave-intake-${options.worker}` });
  await ensureIntakeStream(nc);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const batchSize = Math.min(options.batchSize ?? 500, MAX_BATCH_ORDERS);
  let running = true;
  let ingested = 0;

  const loops = partitionsOf(options.worker, options.workers, options.partitions).map(async (partition) => {
    const durable = `orders-p${partition}-of-${options.partitions}`;
    await jsm.consumers.add(INTAKE_STREAM, {
      durable_name: durable,
      filter_subject: intakeSubject("*", partition),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(60_000),
      max_ack_pending: batchSize * 2,
    });
    const consumer = await js.consumers.get(INTAKE_STREAM, durable);
    while (running) {
      const messages: JsMsg[] = [];
      try {
        const fetched = await consumer.fetch({ max_messages: batchSize, expires: 1_000 });
        for await (const message of fetched) messages.push(message);
        if (messages.length === 0) continue;
        ingested += await ingestBatch(database, js, messages, now());
        for (const message of messages) message.ack();
      } catch (error) {
        // Not acknowledged: JetStream redelivers the batch after ack_wait, and the ingest is idempotent.
        log.error({ err: error, partition }, "intake batch failed; it will be redelivered");
        for (const message of messages) message.nak(5_000);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  });
  log.info(
    { worker: options.worker, workers: options.workers, partitions: options.partitions },
    "intake started",
  );

  return {
    ingested: () => ingested,
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      await nc.drain();
    },
  };
}

interface Parsed {
  message: JsMsg;
  tenantId: string;
  order: Static<typeof OrderBody>;
}

/** Ingests one fetched batch, brand by brand; returns how many orders were ingested (new or known). */
async function ingestBatch(
  database: Database,
  js: JetStreamClient,
  messages: JsMsg[],
  now: Date,
): Promise<number> {
  const byTenant = new Map<string, Parsed[]>();
  for (const message of messages) {
    const parsed = parse(message);
    if ("reason" in parsed) {
      await deadLetter(js, message, parsed.tenantId, parsed.reason);
      continue;
    }
    byTenant.set(parsed.tenantId, [...(byTenant.get(parsed.tenantId) ?? []), parsed]);
  }
  let count = 0;
  for (const [tenantId, items] of byTenant)
    count += await ingestForTenant(database, js, tenantId, items, now);
  return count;
}

async function ingestForTenant(
  database: Database,
  js: JetStreamClient,
  tenantId: string,
  items: Parsed[],
  now: Date,
): Promise<number> {
  const run = (batch: Parsed[]): Promise<IngestResult[]> =>
    retryOnConflict(() =>
      database.db.transaction().execute((tx) =>
        ingestOrders(
          tx,
          tenantId,
          batch.map((i) => toOrderInput(i.order)),
          "intake:nats",
          now,
        ),
      ),
    );
  try {
    return (await run(items)).length;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
  }
  // Something in the batch breaks a rule (the whole batch is refused): one by one, so only the culprits are set aside.
  let count = 0;
  for (const item of items) {
    try {
      count += (await run([item])).length;
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      await deadLetter(js, item.message, tenantId, `${error.code}: ${error.message}`);
    }
  }
  return count;
}

function parse(message: JsMsg): Parsed | { tenantId: string; reason: string } {
  const subject = parseIntakeSubject(message.subject);
  if (!subject)
    return { tenantId: "unknown", reason: `subject ${message.subject} is not enclave.orders.<tenant>.<n>` };
  let body: unknown;
  try {
    body = message.json();
  } catch {
    return { tenantId: subject.tenantId, reason: "not JSON" };
  }
  if (!validOrder(body)) {
    const reason = (validOrder.errors ?? [])
      .map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`)
      .join("; ");
    return { tenantId: subject.tenantId, reason: `not an order: ${reason}` };
  }
  return { message, tenantId: subject.tenantId, order: body };
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
