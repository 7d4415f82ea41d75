import { sql } from "kysely";
import type { Logger } from "pino";
import type { Db, Executor, Tx } from "./db/database.ts";
import { newId } from "./ids.ts";

/** A domain event as stored in the outbox and handed to subscribers. */
export interface DomainEvent {
  tenantId: string;
  eventId: string;
  type: string;
  subjectId: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/** Runs inside the transaction that marks the event relayed: a handler's database work happens once. */
export type EventHandler = (event: DomainEvent, tx: Tx) => Promise<void>;

const RELAY_BATCH_SIZE = 1_000;
const RELAY_IDLE_POLL_MS = 1_000;
const RELAY_POKE_DELAY_MS = 50;

/**
 * Writes an event in the caller's transaction: it exists if and only if the change that caused it committed.
 */
export async function recordEvent(
  tx: Executor,
  event: {
    tenantId: string;
    type: string;
    subjectId?: string | null;
    payload: Record<string, unknown>;
    at?: Date;
  },
): Promise<string> {
  const eventId = newId("event");
  await tx
    .insertInto("outbox")
    .values({
      tenant_id: event.tenantId,
      event_id: eventId,
      type: event.type,
      subject_id: event.subjectId ?? null,
      payload: JSON.stringify(event.payload),
      ...(event.at ? { occurred_at: event.at } : {}),
    })
    .execute();
  return eventId;
}

/**
 * Relays committed outbox events to in-process subscribers, at least once and in commit order per poll.
 * Several processes may relay at once: rows are claimed with SKIP LOCKED. Handlers must be idempotent.
 */
export class EventRelay {
  readonly #handlers = new Map<string, EventHandler[]>();
  readonly #db: Db;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #dueAtMs = Number.POSITIVE_INFINITY;
  #running = false;
  #stopped = true;

  constructor(db: Db, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  /** `type` is an event type or "*" for all. */
  subscribe(type: string, handler: EventHandler): void {
    const list = this.#handlers.get(type) ?? [];
    list.push(handler);
    this.#handlers.set(type, list);
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#running) await new Promise((r) => setTimeout(r, 10));
  }

  /** Asks for a relay pass soon (after a commit that wrote events). */
  poke(): void {
    // Gathered, not immediate: a busy endpoint pokes after every request, and one pass per few dozen commits
    // relays them all without taking a connection (the only one, on the embedded database) from the requests.
    if (this.#stopped || this.#running || this.#dueAtMs <= Date.now() + RELAY_POKE_DELAY_MS) return;
    this.#schedule(RELAY_POKE_DELAY_MS);
  }

  /** One pass: relays up to a batch; returns how many events it handled. */
  async relayOnce(): Promise<number> {
    return this.#db.transaction().execute(async (tx) => {
      const rows = await sql<{
        tenant_id: string;
        event_id: string;
        type: string;
        subject_id: string | null;
        payload: Record<string, unknown>;
        occurred_at: Date;
      }>`SELECT tenant_id, event_id, type, subject_id, payload, occurred_at FROM outbox
         WHERE relayed_at IS NULL ORDER BY occurred_at, event_id LIMIT ${RELAY_BATCH_SIZE}
         FOR UPDATE SKIP LOCKED`.execute(tx);
      for (const row of rows.rows) {
        const event: DomainEvent = {
          tenantId: row.tenant_id,
          eventId: row.event_id,
          type: row.type,
          subjectId: row.subject_id,
          payload: row.payload,
          occurredAt: row.occurred_at,
        };
        for (const handler of [...(this.#handlers.get(row.type) ?? []), ...(this.#handlers.get("*") ?? [])]) {
          await handler(event, tx);
        }
      }
      if (rows.rows.length > 0) {
        await sql`UPDATE outbox SET relayed_at = ${new Date()}
          WHERE (tenant_id, event_id) IN (SELECT * FROM unnest(${rows.rows.map((r) => r.tenant_id)}::text[], ${rows.rows.map((r) => r.event_id)}::text[]))`.execute(
          tx,
        );
      }
      return rows.rows.length;
    });
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#dueAtMs = Date.now() + delayMs;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#running) return;
    this.#running = true;
    let handled = 0;
    try {
      handled = await this.relayOnce();
    } catch (error) {
      this.#log.error({ err: error }, "event relay pass failed; will retry");
    } finally {
      this.#running = false;
    }
    if (!this.#stopped) this.#schedule(handled === RELAY_BATCH_SIZE ? 0 : RELAY_IDLE_POLL_MS);
  }
}
