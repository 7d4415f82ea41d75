import { sql } from "kysely";
import { getTag, type Tag } from "../audience/tags/catalog.ts";
import { giveTags } from "../audience/tags/tagging.ts";
import { issueByCode } from "../coupons/subscriptions.ts";
import { reassignMembers } from "../members/assignment.ts";
import { getMember } from "../members/service.ts";
import type { Platform } from "../platform/context.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { findCodeByScene } from "./service.ts";
import { bump } from "./stats.ts";

/**
 * What joining through a code does, run by the relay once per member.joined: record the member against the code
 * (a member joins through one code, once; that row is also the guard against a re-delivered event), count the
 * join, give the code's tags, place a member who joined with no guide or store with the code's, and issue the
 * welcome coupon under a business key naming code and member, so it is issued exactly once whatever happens.
 */

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value : null;

async function tagsOf(tx: Executor, tenantId: string, tagIds: readonly string[]): Promise<Tag[]> {
  const tags: Tag[] = [];
  // A tag deleted since the code was made is skipped: a join must never fail on it.
  for (const id of tagIds) {
    const tag = await getTag(tx, tenantId, id).catch(() => undefined);
    if (tag) tags.push(tag);
  }
  return tags;
}

export function registerChannelCodeSubscriptions(platform: Platform): void {
  const { events, log, clock } = platform;

  events.subscribe("member.joined", async (event, tx) => {
    const memberId = text(event.payload.member_id);
    const sceneKey = text(event.payload.scene_key);
    if (!memberId || !sceneKey || event.payload.imported === true) return;
    const code = await findCodeByScene(tx, event.tenantId, sceneKey);
    if (!code?.active) return;
    const first = await tx
      .insertInto("channel_code_members")
      .values({
        tenant_id: event.tenantId,
        member_id: memberId,
        code_id: code.code_id,
        joined_at: event.occurredAt,
        first_order_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("code_id")
      .executeTakeFirst();
    if (!first) return;
    await bump(tx, event.tenantId, code.code_id, event.occurredAt, "joins");
    const now = clock.now();
    await giveTags(
      tx,
      event.tenantId,
      memberId,
      await tagsOf(tx, event.tenantId, code.tag_ids),
      { source: "scene", source_ref: code.code_id },
      now,
    );
    const member = await getMember(tx, event.tenantId, memberId);
    const placeGuide = member.guide_id === null && code.guide_id !== null;
    const placeStore = member.home_store_id === null && code.store_id !== null;
    if (placeGuide || placeStore) {
      await reassignMembers(
        tx,
        event.tenantId,
        { member_ids: [memberId] },
        {
          guide_id: placeGuide ? code.guide_id : member.guide_id,
          home_store_id: placeStore ? code.store_id : member.home_store_id,
        },
        { actor: `system:channel-code:${code.code_id}`, reason: "reassign" },
        now,
      );
    }
    await recordEvent(tx, {
      tenantId: event.tenantId,
      type: "channel_code.joined",
      subjectId: memberId,
      at: event.occurredAt,
      payload: {
        member_id: memberId,
        code_id: code.code_id,
        scene_key: code.scene_key,
        guide_id: placeGuide ? code.guide_id : member.guide_id,
        store_id: placeStore ? code.store_id : member.home_store_id,
        // The join itself named no guide: results and tasks credit the code's guide from this event instead.
        guide_placed_by_code: placeGuide,
      },
    });
    if (code.welcome_coupon) {
      const issued = await issueByCode(
        tx,
        event.tenantId,
        memberId,
        code.welcome_coupon,
        { key: `channel-code:${code.code_id}:${memberId}`, source: "join" },
        now,
      );
      if (!issued)
        log.warn(
          { tenant_id: event.tenantId, code: code.welcome_coupon },
          "welcome coupon not found; nothing issued",
        );
    }
  });

  // Every order passes here; one statement per brand finds the first orders of members who came by a code.
  events.subscribeBatch("order.created", async (batch, tx) => {
    const byTenant = new Map<string, Map<string, Date>>();
    for (const event of batch) {
      const memberId = text(event.payload.member_id);
      if (!memberId) continue;
      const firsts = byTenant.get(event.tenantId) ?? new Map<string, Date>();
      if (!firsts.has(memberId)) firsts.set(memberId, event.occurredAt);
      byTenant.set(event.tenantId, firsts);
    }
    for (const [tenantId, firsts] of byTenant) {
      const rows = await sql<{ code_id: string; first_order_at: Date }>`
        UPDATE channel_code_members c SET first_order_at = f.at
        FROM unnest(${[...firsts.keys()]}::text[], ${[...firsts.values()].map((d) => d.toISOString())}::timestamptz[]) AS f(member_id, at)
        WHERE c.tenant_id = ${tenantId} AND c.member_id = f.member_id AND c.first_order_at IS NULL
        RETURNING c.code_id, c.first_order_at`.execute(tx);
      for (const row of rows.rows) await bump(tx, tenantId, row.code_id, row.first_order_at, "first_orders");
    }
  });

  // A guide who leaves hands their codes on with their members: later scans reach the new guide (or the store).
  events.subscribe("guide.handed_over", async (event, tx) => {
    const from = text(event.payload.from_guide_id);
    if (!from) return;
    await tx
      .updateTable("channel_codes")
      .set({ guide_id: text(event.payload.to_guide_id), updated_at: clock.now() })
      .where("tenant_id", "=", event.tenantId)
      .where("guide_id", "=", from)
      .execute();
  });
}
