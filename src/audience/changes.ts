import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { insertMany } from "../platform/db/bulk.ts";
import { newId } from "../platform/ids.ts";

/**
 * The audience's events: a member's stage or importance changed, a member entered or left a segment. They go to
 * the outbox in the transaction that made the change, like every domain event. Set-based recomputes collect
 * them in a temporary table first and write them in pages here, because one run may change many members and the
 * outbox ids are made in the application.
 */

export interface AudienceEvent {
  type: "member.stage_changed" | "member.importance_changed" | "segment.entered" | "segment.left";
  member_id: string;
  payload: Record<string, unknown>;
}

const EVENT_PAGE_SIZE = 5_000;

/** Creates this transaction's change log (dropped at commit). */
export async function openChangeLog(tx: Executor): Promise<void> {
  await sql`DROP TABLE IF EXISTS audience_changes`.execute(tx);
  await sql`CREATE TEMP TABLE audience_changes (
    seq bigserial PRIMARY KEY, type text NOT NULL, member_id text NOT NULL, payload jsonb NOT NULL) ON COMMIT DROP`.execute(
    tx,
  );
}

/** Writes the logged changes as outbox events, a page at a time; returns how many. */
export async function flushChangeLog(tx: Executor, tenantId: string, now: Date): Promise<number> {
  let after = 0;
  let written = 0;
  for (;;) {
    const page = await sql<{
      seq: number;
      type: AudienceEvent["type"];
      member_id: string;
      payload: Record<string, unknown>;
    }>`
      SELECT seq::float8 AS seq, type, member_id, payload FROM audience_changes WHERE seq > ${after} ORDER BY seq LIMIT ${EVENT_PAGE_SIZE}`.execute(
      tx,
    );
    if (page.rows.length === 0) break;
    await writeEvents(tx, tenantId, page.rows, now);
    written += page.rows.length;
    after = page.rows[page.rows.length - 1]?.seq ?? after;
  }
  await sql`TRUNCATE audience_changes`.execute(tx);
  return written;
}

export async function writeEvents(
  tx: Executor,
  tenantId: string,
  events: readonly AudienceEvent[],
  now: Date,
): Promise<void> {
  await insertMany(
    tx,
    "outbox",
    {
      tenant_id: "text",
      event_id: "text",
      type: "text",
      subject_id: "text",
      payload: "jsonb",
      occurred_at: "timestamptz",
    },
    events.map((e) => ({
      tenant_id: tenantId,
      event_id: newId("event"),
      type: e.type,
      subject_id: e.member_id,
      payload: e.payload,
      occurred_at: now,
    })),
  );
}
