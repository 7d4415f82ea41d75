import { type RawBuilder, sql } from "kysely";
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

/**
 * Takes every event of its types in a relay pass at once, in commit order, after the pass's per-event handlers:
 * for subscribers that can do their work in one statement for many (counters, marks). A subscriber whose events
 * depend on one another (an order created, then cancelled) takes all those types in one batch handler, so it sees
 * them in the order they happened. Same transaction, same once-only guarantee.
 */
export type BatchEventHandler = (events: DomainEvent[], tx: Tx) => Promise<void>;

const RELAY_BATCH_SIZE = 1_000;
const RELAY_IDLE_POLL_MS = 1_000;
const RELAY_POKE_DELAY_MS = 50;
/** A failing event is retried after 1 s, 2 s, 4 s … (at most 10 min) and given up on the 8th failure. */
const MAX_RELAY_ATTEMPTS = 8;
const RELAY_MAX_BACKOFF_MS = 600_000;

interface OutboxRow {
  tenant_id: string;
  event_id: string;
  type: string;
  subject_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
  relay_attempts: number;
}

function toEvent(row: OutboxRow): DomainEvent {
  return {
    tenantId: row.tenant_id,
    eventId: row.event_id,
    type: row.type,
    subjectId: row.subject_id,
    payload: row.payload,
    occurredAt: row.occurred_at,
  };
}

/** A subscriber threw while handling an event (as opposed to the database failing the pass). */
class SubscriberFailure extends Error {
  constructor(eventId: string, cause: unknown) {
    super(`a subscriber failed on event ${eventId}`, { cause });
  }
}

/**
 * Writes an event in the caller's transaction: it exists if and only if the change that caused it committed.
 */
export async function recordEvent(tx: Executor, event: OutboxEvent): Promise<string> {
  const { eventId, statement } = eventStatement(event);
  await statement.execute(tx);
  return eventId;
}

export interface OutboxEvent {
  tenantId: string;
  type: string;
  subjectId?: string | null;
  payload: Record<string, unknown>;
  at?: Date;
}

/** The insert recordEvent runs, to be sent with a change's other writes in one round trip (`together`). */
export function eventStatement(event: OutboxEvent): { eventId: string; statement: RawBuilder<unknown> } {
  const eventId = newId("event");
  const statement = sql`INSERT INTO outbox (tenant_id, event_id, type, subject_id, payload, occurred_at)
    VALUES (${event.tenantId}, ${eventId}, ${event.type}, ${event.subjectId ?? null},
      ${JSON.stringify(event.payload)}::jsonb, COALESCE(${event.at ?? null}::timestamptz, now()))`;
  return { eventId, statement };
}

/**
 * Relays committed outbox events to in-process subscribers, at least once and in commit order per poll.
 * Several processes may relay at once: rows are claimed with SKIP LOCKED. Handlers must be idempotent.
 */
export class EventRelay {
  readonly #handlers = new Map<string, EventHandler[]>();
  readonly #batchHandlers: { types: ReadonlySet<string>; handler: BatchEventHandler }[] = [];
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

  /** `types` are event types (not "*"): see BatchEventHandler. */
  subscribeBatch(types: string | readonly string[], handler: BatchEventHandler): void {
    this.#batchHandlers.push({ types: new Set(typeof types === "string" ? [types] : types), handler });
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

  /**
   * One pass: relays up to a batch; returns how many events it handled. The batch goes in one transaction; if a
   * subscriber fails, the pass runs again event by event, so the failing event is set aside (retried later with
   * growing delays, given up after MAX_RELAY_ATTEMPTS) and the others go through.
   */
  async relayOnce(): Promise<number> {
    try {
      return await this.#db.transaction().execute((tx) => this.#relayBatch(tx, false));
    } catch (error) {
      if (!(error instanceof SubscriberFailure)) throw error;
      return this.#db.transaction().execute((tx) => this.#relayBatch(tx, true));
    }
  }

  async #relayBatch(tx: Tx, isolate: boolean): Promise<number> {
    const now = new Date();
    const rows = await sql<OutboxRow>`
      SELECT tenant_id, event_id, type, subject_id, payload, occurred_at, relay_attempts FROM outbox
      WHERE relayed_at IS NULL AND (relay_after IS NULL OR relay_after <= ${now})
      ORDER BY occurred_at, event_id LIMIT ${RELAY_BATCH_SIZE}
      FOR UPDATE SKIP LOCKED`.execute(tx);
    const relayed: OutboxRow[] = [];
    for (const row of rows.rows) {
      if (!isolate) {
        await this.#deliver(row, tx);
        relayed.push(row);
        continue;
      }
      await sql`SAVEPOINT relay_event`.execute(tx);
      try {
        await this.#deliver(row, tx);
        await this.#deliverBatches([row], tx);
        await sql`RELEASE SAVEPOINT relay_event`.execute(tx);
        relayed.push(row);
      } catch (error) {
        if (!(error instanceof SubscriberFailure)) throw error;
        await sql`ROLLBACK TO SAVEPOINT relay_event`.execute(tx);
        await this.#setAside(tx, row, error, now);
      }
    }
    if (!isolate) await this.#deliverBatches(relayed, tx);
    if (relayed.length > 0) {
      await sql`UPDATE outbox SET relayed_at = ${now}
        WHERE (tenant_id, event_id) IN (SELECT * FROM unnest(${relayed.map((r) => r.tenant_id)}::text[], ${relayed.map((r) => r.event_id)}::text[]))`.execute(
        tx,
      );
    }
    return relayed.length;
  }

  async #deliver(row: OutboxRow, tx: Tx): Promise<void> {
    const event = toEvent(row);
    for (const handler of [...(this.#handlers.get(row.type) ?? []), ...(this.#handlers.get("*") ?? [])]) {
      try {
        await handler(event, tx);
      } catch (error) {
        throw new SubscriberFailure(row.event_id, error);
      }
    }
  }

  async #deliverBatches(rows: OutboxRow[], tx: Tx): Promise<void> {
    for (const { types, handler } of this.#batchHandlers) {
      const events = rows.filter((row) => types.has(row.type)).map(toEvent);
      if (events.length === 0) continue;
      try {
        await handler(events, tx);
      } catch (error) {
        throw new SubscriberFailure(
          events.length === 1 ? (events[0]?.eventId ?? "") : `${events.length} of ${[...types].join(", ")}`,
          error,
        );
      }
    }
  }

  async #setAside(tx: Tx, row: OutboxRow, failure: SubscriberFailure, now: Date): Promise<void> {
    const attempts = row.relay_attempts + 1;
    const givenUp = attempts >= MAX_RELAY_ATTEMPTS;
    const message = failure.cause instanceof Error ? failure.cause.message : String(failure.cause);
    this.#log.error(
      { err: failure.cause, event: row.event_id, type: row.type, attempts, givenUp },
      givenUp
        ? "event given up after repeated subscriber failures"
        : "subscriber failed; event set aside for a retry",
    );
    await tx
      .updateTable("outbox")
      .set({
        relay_attempts: attempts,
        relay_error: message.slice(0, 1_000),
        relay_after: new Date(now.getTime() + Math.min(1_000 * 2 ** (attempts - 1), RELAY_MAX_BACKOFF_MS)),
        ...(givenUp ? { relayed_at: now } : {}),
      })
      .where("tenant_id", "=", row.tenant_id)
      .where("event_id", "=", row.event_id)
      .execute();
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
