import { sql } from "kysely";
import type { Db, Executor, Tx } from "../platform/db/database.ts";
import type { DomainEvent } from "../platform/events.ts";
import { businessRule, notFound } from "../platform/http/problems.ts";
import { toPage } from "../platform/http/pagination.ts";
import { endpointSubscribers, getEndpoint, signingSecrets } from "./endpoints.ts";
import { webhookId } from "./ids.ts";
import { postJson } from "./outbound.ts";
import { isDelivered, matchesEventType, nextAttemptAt } from "./rules.ts";
import { signedHeaders } from "./signature.ts";
import type { DeliveryStatus } from "./tables.ts";

/** How many deliveries one pass sends at once (each the oldest pending of its member and endpoint). */
const DELIVERY_BATCH_SIZE = 16;
/** One attempt's whole exchange; Standard Webhooks receivers are expected to answer within seconds. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** A claimed delivery is another worker's again after this: the attempt timed out or its process died. */
const LEASE_MS = ATTEMPT_TIMEOUT_MS + 5_000;
const ERROR_TEXT_LIMIT = 500;
const DUE_AT_ONCE = new Date(0);

/**
 * The relay's subscriber: copies an event into a delivery for every endpoint that wants it. It runs in the relay's
 * transaction, so each event is queued exactly once per endpoint (the unique key also holds if it ran twice).
 */
export async function queueDeliveries(event: DomainEvent, tx: Tx): Promise<void> {
  const endpoints = (await endpointSubscribers(tx, event.tenantId)).filter((e) =>
    matchesEventType(e.event_types, event.type),
  );
  if (endpoints.length === 0) return;
  const body = JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: event.payload,
  });
  await tx
    .insertInto("webhook_deliveries")
    .values(
      endpoints.map((endpoint) => ({
        tenant_id: event.tenantId,
        delivery_id: webhookId("delivery"),
        endpoint_id: endpoint.endpoint_id,
        event_id: event.eventId,
        event_type: event.type,
        subject_key: event.subjectId ?? event.eventId,
        body,
        status: "pending" as const,
        // Due at once: the relay runs without a clock, and "now" is whenever a worker next looks.
        next_attempt_at: DUE_AT_ONCE,
      })),
    )
    .onConflict((oc) => oc.columns(["tenant_id", "endpoint_id", "event_id"]).doNothing())
    .execute();
}

interface Claimed {
  tenant_id: string;
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  body: string;
  attempts: number;
}

/**
 * Leases the next deliveries to send: for each endpoint and subject only the oldest pending one, so one member's
 * events reach an endpoint in the order they were relayed; a later one waits while an earlier one is retried.
 */
async function claimDue(db: Db, now: Date): Promise<Claimed[]> {
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const result = await sql<Claimed>`
    UPDATE webhook_deliveries d
    SET locked_until = ${leaseUntil}, attempts = d.attempts + 1, updated_at = ${now}
    FROM (
      SELECT h.tenant_id, h.delivery_id FROM webhook_deliveries h
      JOIN webhook_endpoints e ON e.tenant_id = h.tenant_id AND e.endpoint_id = h.endpoint_id AND e.enabled
      WHERE h.status = 'pending' AND h.next_attempt_at <= ${now}
        AND (h.locked_until IS NULL OR h.locked_until <= ${now})
        AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries p
          WHERE p.tenant_id = h.tenant_id AND p.endpoint_id = h.endpoint_id AND p.subject_key = h.subject_key
            AND p.status = 'pending' AND p.seq < h.seq)
      ORDER BY h.next_attempt_at, h.seq
      LIMIT ${DELIVERY_BATCH_SIZE}
      FOR UPDATE OF h SKIP LOCKED
    ) c
    WHERE d.tenant_id = c.tenant_id AND d.delivery_id = c.delivery_id
    RETURNING d.tenant_id, d.delivery_id, d.endpoint_id, d.event_id, d.body, d.attempts`.execute(db);
  return result.rows;
}

interface Outcome {
  statusCode: number | null;
  error: string | null;
}

async function attempt(
  db: Db,
  delivery: Claimed,
  options: { allowPrivate: boolean; now: () => Date },
): Promise<{ outcome: Outcome; maxAttempts: number } | undefined> {
  const endpoint = await signingSecrets(db, delivery.tenant_id, delivery.endpoint_id, options.now());
  if (!endpoint) return undefined;
  const headers = signedHeaders(delivery.event_id, options.now(), delivery.body, endpoint.secrets);
  try {
    const answer = await postJson(
      endpoint.url,
      delivery.body,
      { ...headers },
      {
        timeoutMs: ATTEMPT_TIMEOUT_MS,
        allowPrivate: options.allowPrivate,
      },
    );
    return {
      maxAttempts: endpoint.max_attempts,
      outcome: isDelivered(answer.statusCode)
        ? { statusCode: answer.statusCode, error: null }
        : { statusCode: answer.statusCode, error: answer.body.slice(0, ERROR_TEXT_LIMIT) || null },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      maxAttempts: endpoint.max_attempts,
      outcome: { statusCode: null, error: message.slice(0, ERROR_TEXT_LIMIT) },
    };
  }
}

async function record(
  db: Db,
  delivery: Claimed,
  outcome: Outcome,
  maxAttempts: number,
  now: Date,
): Promise<void> {
  if (outcome.error === null && outcome.statusCode !== null && isDelivered(outcome.statusCode)) {
    await db
      .updateTable("webhook_deliveries")
      .set({
        status: "delivered",
        delivered_at: now,
        locked_until: null,
        last_status_code: outcome.statusCode,
        last_error: null,
        updated_at: now,
      })
      .where("tenant_id", "=", delivery.tenant_id)
      .where("delivery_id", "=", delivery.delivery_id)
      .where("status", "=", "pending")
      .execute();
    return;
  }
  const next = nextAttemptAt(delivery.attempts, maxAttempts, now);
  await db
    .updateTable("webhook_deliveries")
    .set({
      ...(next ? { next_attempt_at: next } : { status: "dead", dead_at: now }),
      locked_until: null,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      updated_at: now,
    })
    .where("tenant_id", "=", delivery.tenant_id)
    .where("delivery_id", "=", delivery.delivery_id)
    .where("status", "=", "pending")
    .execute();
}

/** One pass of the delivery loop: sends up to a batch of due deliveries; returns how many it attempted. */
export async function deliverDueWebhooks(
  db: Db,
  options: { allowPrivate: boolean; now: () => Date },
): Promise<number> {
  const claimed = await claimDue(db, options.now());
  await Promise.all(
    claimed.map(async (delivery) => {
      const result = await attempt(db, delivery, options);
      if (result) await record(db, delivery, result.outcome, result.maxAttempts, options.now());
    }),
  );
  return claimed.length;
}

// ——— reading and replaying ———

export interface Delivery {
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
}

const DELIVERY_COLUMNS = [
  "delivery_id",
  "endpoint_id",
  "event_id",
  "event_type",
  "status",
  "attempts",
  "next_attempt_at",
  "last_status_code",
  "last_error",
  "body",
  "created_at",
  "delivered_at",
  "dead_at",
] as const;

function toDelivery(
  row: { body: string; status: DeliveryStatus; next_attempt_at: Date } & Omit<
    Delivery,
    "payload" | "next_attempt_at" | "status"
  >,
): Delivery {
  const { body, ...rest } = row;
  return {
    ...rest,
    next_attempt_at: row.status === "pending" ? row.next_attempt_at : null,
    payload: JSON.parse(body) as Record<string, unknown>,
  };
}

export async function listDeliveries(
  db: Executor,
  tenantId: string,
  endpointId: string,
  filter: { status?: DeliveryStatus | undefined },
  page: { limit: number; after: string | undefined },
): Promise<{ items: Delivery[]; next_cursor: string | null }> {
  await getEndpoint(db, tenantId, endpointId);
  let query = db
    .selectFrom("webhook_deliveries")
    .select(DELIVERY_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (page.after) query = query.where("delivery_id", "<", page.after);
  const rows = await query
    .orderBy("delivery_id", "desc")
    .limit(page.limit + 1)
    .execute();
  const result = toPage(rows, page.limit, (row) => row.delivery_id);
  return { items: result.items.map(toDelivery), next_cursor: result.next_cursor };
}

export async function getDelivery(
  db: Executor,
  tenantId: string,
  endpointId: string,
  deliveryId: string,
): Promise<Delivery> {
  const row = await db
    .selectFrom("webhook_deliveries")
    .select(DELIVERY_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .where("delivery_id", "=", deliveryId)
    .executeTakeFirst();
  if (!row) throw notFound("delivery", deliveryId);
  return toDelivery(row);
}

const REQUEUE = (now: Date) => ({
  status: "pending" as const,
  attempts: 0,
  next_attempt_at: now,
  locked_until: null,
  dead_at: null,
  updated_at: now,
});

/**
 * Sends a dead (or already delivered) delivery again, with the same webhook-id and body. It keeps its place in its
 * member's queue: later pending events of that member wait until it is through.
 */
export async function replayDelivery(
  tx: Executor,
  tenantId: string,
  endpointId: string,
  deliveryId: string,
  now: Date,
): Promise<Delivery> {
  const current = await getDelivery(tx, tenantId, endpointId, deliveryId);
  if (current.status === "pending")
    throw businessRule(`delivery ${deliveryId} is already waiting to be sent`);
  await tx
    .updateTable("webhook_deliveries")
    .set(REQUEUE(now))
    .where("tenant_id", "=", tenantId)
    .where("delivery_id", "=", deliveryId)
    .execute();
  return getDelivery(tx, tenantId, endpointId, deliveryId);
}

/** Puts every dead delivery of the endpoint back in the queue; returns how many. */
export async function replayDeadLetters(
  tx: Executor,
  tenantId: string,
  endpointId: string,
  now: Date,
): Promise<number> {
  await getEndpoint(tx, tenantId, endpointId);
  const result = await tx
    .updateTable("webhook_deliveries")
    .set(REQUEUE(now))
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .where("status", "=", "dead")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Delivered deliveries are kept this long for the delivery list; dead ones until replayed or their endpoint goes. */
export const DELIVERED_RETENTION_DAYS = 30;
const PURGE_BATCH_SIZE = 5_000;

/** Deletes delivered deliveries past retention, a batch at a time; returns how many. */
export async function purgeDelivered(db: Db, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - DELIVERED_RETENTION_DAYS * 86_400_000);
  let total = 0;
  for (;;) {
    const result = await sql`
      DELETE FROM webhook_deliveries WHERE (tenant_id, delivery_id) IN (
        SELECT tenant_id, delivery_id FROM webhook_deliveries
        WHERE status = 'delivered' AND delivered_at < ${cutoff} LIMIT ${PURGE_BATCH_SIZE})`.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0);
    total += deleted;
    if (deleted < PURGE_BATCH_SIZE) return total;
  }
}
