import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { scrubPayload } from "./rules.ts";

const SCRUB_BATCH = 500;

/**
 * Scrubs personal fields from the stored events about these members: the outbox is the member timeline and the
 * source of webhooks replayed later. Events are found by subject and by a `member_id` in the payload (an order's
 * events name the member there); the payload test reads the brand's whole outbox, acceptable for a rare request.
 */
export async function scrubMemberEvents(
  tx: Executor,
  tenantId: string,
  memberIds: readonly string[],
  formerValues: readonly string[],
): Promise<number> {
  if (memberIds.length === 0) return 0;
  const ids = [...memberIds];
  let scrubbed = 0;
  let after = "";
  for (;;) {
    const rows = await tx
      .selectFrom("outbox")
      .select(["event_id", "payload"])
      .where("tenant_id", "=", tenantId)
      .where("event_id", ">", after)
      .where((eb) => eb.or([eb("subject_id", "in", ids), eb(sql<string>`payload->>'member_id'`, "in", ids)]))
      .orderBy("event_id")
      .limit(SCRUB_BATCH)
      .execute();
    for (const row of rows) {
      const result = scrubPayload(row.payload, formerValues);
      if (!result.changed) continue;
      await tx
        .updateTable("outbox")
        .set({ payload: JSON.stringify(result.payload) })
        .where("tenant_id", "=", tenantId)
        .where("event_id", "=", row.event_id)
        .execute();
      scrubbed++;
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < SCRUB_BATCH) return scrubbed;
    after = last.event_id;
  }
}
