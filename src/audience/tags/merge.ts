import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { markDirty } from "../dirty.ts";
import { COMPUTED_SOURCES } from "./computed.ts";

/**
 * When two member records merge, the absorbed record's tags move to the survivor (the same person):
 *
 * - Holds someone or something gave (by hand, CSV, API, a chat keyword, a campaign) move as they are: source,
 *   who gave it, when, and expiry. Expired ones do not.
 * - Holds a recompute gives (rule, product lifecycle, and scene tags from the scene a record joined from) do not:
 *   the survivor is re-evaluated from its own facts, which now include the absorbed record's orders and points,
 *   and keeps its own profile (the scene it joined from) — a moved one would only be taken away again.
 * - Where the survivor holds the tag too, one hold remains: the survivor's source, the earlier `tagged_at`, and
 *   the later expiry (none beats any). A computed or expired hold of the survivor gives way to the given one whole,
 *   so the tag no longer comes and goes with a definition the person was tagged past.
 *
 * Every hold of the absorbed record goes; it has left the audience. Returns how many holds moved.
 */
export async function moveTagHolds(
  tx: Executor,
  tenantId: string,
  fromId: string,
  toId: string,
  now: Date,
): Promise<number> {
  const at = now.toISOString();
  const computed = sql`${[...COMPUTED_SOURCES]}::text[]`;
  // The survivor's hold yields to the moved one when it would not outlast it on its own.
  const yields = sql`(held.source = ANY(${computed}) OR held.expires_at <= ${at}::timestamptz)`;
  const result = await sql<{ tag_id: string }>`
    WITH moving AS (
      DELETE FROM audience_member_tags WHERE tenant_id = ${tenantId} AND member_id = ${fromId}
      RETURNING tag_id, source, source_ref, tagged_at, expires_at)
    INSERT INTO audience_member_tags AS held (tenant_id, member_id, tag_id, source, source_ref, tagged_at, expires_at)
    SELECT ${tenantId}, ${toId}, tag_id, source, source_ref, tagged_at, expires_at FROM moving
    WHERE NOT (source = ANY(${computed})) AND (expires_at IS NULL OR expires_at > ${at}::timestamptz)
    ON CONFLICT (tenant_id, member_id, tag_id) DO UPDATE SET
      source = CASE WHEN ${yields} THEN EXCLUDED.source ELSE held.source END,
      source_ref = CASE WHEN ${yields} THEN EXCLUDED.source_ref ELSE held.source_ref END,
      tagged_at = CASE WHEN ${yields} THEN EXCLUDED.tagged_at ELSE LEAST(held.tagged_at, EXCLUDED.tagged_at) END,
      expires_at = CASE WHEN ${yields} THEN EXCLUDED.expires_at
        WHEN held.expires_at IS NULL OR EXCLUDED.expires_at IS NULL THEN NULL
        ELSE GREATEST(held.expires_at, EXCLUDED.expires_at) END
    RETURNING tag_id`.execute(tx);
  // Segments and rule tags that read tags follow at the survivor's re-evaluation.
  if (result.rows.length > 0) await markDirty(tx, tenantId, [toId], ["tags"], now);
  return result.rows.length;
}
