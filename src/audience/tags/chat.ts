import { resolveMemberRefs, type MemberRef } from "../../members/service.ts";
import { TtlCache, SETTINGS_TTL_MS } from "../../platform/cache.ts";
import type { Executor } from "../../platform/db/database.ts";
import { listTags, type Tag } from "./catalog.ts";
import { KeywordMatcher } from "./keywords.ts";
import { giveTags } from "./tagging.ts";

/**
 * Chat messages from any tool that can call the API (a WeCom sidebar, a customer-service desk): each message is
 * matched against the brand's keyword tags and its member gets the tags whose keywords it mentions. A message is
 * taken once (its source and external id are remembered, its text is not).
 */

export interface ChatMessageInput {
  external_id: string;
  member: MemberRef;
  text: string;
  sent_at: Date;
}

export type ChatResult =
  | { external_id: string; status: "tagged" | "no_match"; member_id: string; tag_ids: string[] }
  | { external_id: string; status: "duplicate"; member_id: string; tag_ids: string[] }
  | { external_id: string; status: "unknown_member"; member_id: null; tag_ids: string[] };

interface BrandKeywords {
  matcher: KeywordMatcher;
  tags: Map<string, Tag>;
}

// Built once per brand and reused for a few seconds: keyword tags change rarely, messages arrive constantly.
const matchers = new TtlCache<BrandKeywords>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 1_000 });

export function forgetKeywordMatcher(tenantId: string): void {
  matchers.delete(tenantId);
}

async function brandKeywords(db: Executor, tenantId: string): Promise<BrandKeywords> {
  return matchers.get(tenantId, async () => {
    const tags = await listTags(db, tenantId, { kind: "keyword" });
    const entries = tags.flatMap((t) =>
      (t.definition.keywords ?? []).map((keyword) => ({ keyword, label: t.tag_id })),
    );
    return { matcher: new KeywordMatcher(entries), tags: new Map(tags.map((t) => [t.tag_id, t])) };
  });
}

export async function ingestChatMessages(
  tx: Executor,
  tenantId: string,
  source: string,
  messages: readonly ChatMessageInput[],
  now: Date,
): Promise<ChatResult[]> {
  const keywords = await brandKeywords(tx, tenantId);
  const members = await resolveMemberRefs(
    tx,
    tenantId,
    messages.map((m) => m.member),
  );
  const seen = new Map(
    (
      await tx
        .selectFrom("audience_chat_messages")
        .select(["external_id", "member_id", "matched_tag_ids"])
        .where("tenant_id", "=", tenantId)
        .where("source", "=", source)
        .where(
          "external_id",
          "in",
          messages.map((m) => m.external_id),
        )
        .execute()
    ).map((r) => [r.external_id, r]),
  );
  const results: ChatResult[] = [];
  for (const [i, message] of messages.entries()) {
    const earlier = seen.get(message.external_id);
    if (earlier) {
      results.push({
        external_id: message.external_id,
        status: "duplicate",
        member_id: earlier.member_id,
        tag_ids: earlier.matched_tag_ids,
      });
      continue;
    }
    const member = members[i];
    if (!member) {
      results.push({
        external_id: message.external_id,
        status: "unknown_member",
        member_id: null,
        tag_ids: [],
      });
      continue;
    }
    const tagIds = [...keywords.matcher.match(message.text)].sort();
    const tags = tagIds.flatMap((id) => {
      const tag = keywords.tags.get(id);
      return tag ? [tag] : [];
    });
    await giveTags(
      tx,
      tenantId,
      member.member_id,
      tags,
      { source: "keyword", source_ref: `${source}:${message.external_id}` },
      now,
    );
    await tx
      .insertInto("audience_chat_messages")
      .values({
        tenant_id: tenantId,
        source,
        external_id: message.external_id,
        member_id: member.member_id,
        matched_tag_ids: tagIds,
        sent_at: message.sent_at,
        received_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    seen.set(message.external_id, {
      external_id: message.external_id,
      member_id: member.member_id,
      matched_tag_ids: tagIds,
    });
    results.push({
      external_id: message.external_id,
      status: tagIds.length > 0 ? "tagged" : "no_match",
      member_id: member.member_id,
      tag_ids: tagIds,
    });
  }
  return results;
}
