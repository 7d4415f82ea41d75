import { sql } from "kysely";
import type { Platform } from "../platform/context.ts";
import type { DomainEvent } from "../platform/events.ts";
import type { Topic } from "./conditions/fields.ts";
import { markDirty } from "./dirty.ts";
import { type Tag, listTags } from "./tags/catalog.ts";
import { moveTagHolds } from "./tags/merge.ts";
import { giveTags } from "./tags/tagging.ts";

/**
 * How the audience follows other capabilities: their events mark the member for incremental re-evaluation with
 * what changed (cheap: the relay runs these inside its transaction, for every event). A member who joins from a
 * QR scene gets the scene's tags at once; a merged member's tags move to the survivor (tags/merge.ts).
 */

const TOPICS_BY_EVENT: Record<string, readonly Topic[]> = {
  "order.created": ["orders", "points", "tier"],
  "order.refunded": ["orders", "points", "tier"],
  "order.cancelled": ["orders", "points", "tier"],
  "member.joined": ["member"],
  "member.prospect_created": ["member"],
  "member.updated": ["member"],
  "member.reassigned": ["member"],
  "member.merged": ["member", "orders", "points", "tier", "tags"],
  "member.merged_away": ["member"],
  "points.spent": ["points"],
  "points.adjusted": ["points"],
  "points.available": ["points"],
  "points.expired": ["points"],
  "tier.changed": ["tier"],
  "tier.subscription_recorded": ["tier"],
  "tier.subscription_renewed": ["tier"],
  "tier.subscription_cancelled": ["tier"],
};

function memberOf(event: DomainEvent): string | undefined {
  const fromPayload = event.payload.member_id;
  if (typeof fromPayload === "string") return fromPayload;
  return event.subjectId ?? undefined;
}

export function registerAudienceSubscriptions(platform: Platform): void {
  // Marks for many events in one statement per brand: this runs for every order, so it must cost next to nothing.
  for (const [type, topics] of Object.entries(TOPICS_BY_EVENT)) {
    platform.events.subscribeBatch(type, async (events, tx) => {
      const byTenant = new Map<string, string[]>();
      for (const event of events) {
        const memberId = memberOf(event);
        if (memberId) byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), memberId]);
      }
      for (const [tenantId, memberIds] of byTenant)
        await markDirty(tx, tenantId, memberIds, topics, platform.clock.now());
    });
  }
  // Before the marks above are drained (a later transaction), so the survivor is re-evaluated with the moved tags.
  platform.events.subscribe("member.merged", async (event, tx) => {
    const { survivor_id, absorbed_id } = event.payload;
    if (typeof survivor_id !== "string" || typeof absorbed_id !== "string") return;
    await moveTagHolds(tx, event.tenantId, absorbed_id, survivor_id, platform.clock.now());
  });
  platform.events.subscribe("member.joined", async (event, tx) => {
    const memberId = memberOf(event);
    const sceneKey = event.payload.scene_key;
    if (!memberId || typeof sceneKey !== "string" || sceneKey === "") return;
    const tags = await sceneTags(tx, event.tenantId, sceneKey);
    await giveTags(
      tx,
      event.tenantId,
      memberId,
      tags,
      { source: "scene", source_ref: sceneKey },
      platform.clock.now(),
    );
  });
}

async function sceneTags(
  tx: Parameters<typeof listTags>[0],
  tenantId: string,
  sceneKey: string,
): Promise<Tag[]> {
  const ids = await sql<{ tag_id: string }>`
    SELECT tag_id FROM audience_tags
    WHERE tenant_id = ${tenantId} AND kind = 'scene' AND jsonb_exists(definition -> 'scene_keys', ${sceneKey})`.execute(
    tx,
  );
  if (ids.rows.length === 0) return [];
  const wanted = new Set(ids.rows.map((r) => r.tag_id));
  return (await listTags(tx, tenantId, { kind: "scene" })).filter((t) => wanted.has(t.tag_id));
}
