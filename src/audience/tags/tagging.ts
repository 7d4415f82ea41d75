import { sql } from "kysely";
import type { Principal } from "../../platform/auth/principal.ts";
import type { Executor } from "../../platform/db/database.ts";
import { businessRule, invalidField, Problem } from "../../platform/http/problems.ts";
import { normalizeTenantPhone } from "../../members/service.ts";
import { markDirty } from "../dirty.ts";
import { membersByKeys, visibleMembers } from "../facts.ts";
import type { TagDimension, TagSource } from "../tables.ts";
import { KEPT_KINDS, type Tag } from "./catalog.ts";
import { MAX_CSV_ROWS, parseCsv } from "./csv.ts";

/**
 * Giving and taking tags: by staff (one, in bulk, by CSV; only members in their scope), and by the system
 * (scene and keyword tags). Each hold records its source, who or what gave it, when, and when it expires.
 * A member tagged again keeps one hold, refreshed: the newer source and time, the later expiry.
 */

const DAY_MS = 86_400_000;
const WRITE_CHUNK = 1_000;

export interface TagHold {
  member_id: string;
  expires_at: Date | null;
}

function defaultExpiry(tag: Tag, now: Date): Date | null {
  return tag.expires_after_days === null ? null : new Date(now.getTime() + tag.expires_after_days * DAY_MS);
}

/** Writes holds (any number) and marks the members for re-evaluation of what reads tags. */
export async function writeHolds(
  tx: Executor,
  tenantId: string,
  tagId: string,
  holds: readonly TagHold[],
  source: { source: TagSource; source_ref: string | null },
  now: Date,
): Promise<void> {
  for (let start = 0; start < holds.length; start += WRITE_CHUNK) {
    const chunk = holds.slice(start, start + WRITE_CHUNK);
    await tx
      .insertInto("audience_member_tags")
      .values(
        chunk.map((h) => ({
          tenant_id: tenantId,
          member_id: h.member_id,
          tag_id: tagId,
          ...source,
          tagged_at: now,
          expires_at: h.expires_at,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["tenant_id", "member_id", "tag_id"]).doUpdateSet((eb) => ({
          source: eb.ref("excluded.source"),
          source_ref: eb.ref("excluded.source_ref"),
          tagged_at: eb.ref("excluded.tagged_at"),
          expires_at: eb.ref("excluded.expires_at"),
        })),
      )
      .execute();
  }
  await markDirty(
    tx,
    tenantId,
    holds.map((h) => h.member_id),
    ["tags"],
    now,
  );
}

function assertGivenByHand(tag: Tag): void {
  if (KEPT_KINDS.includes(tag.kind)) {
    throw businessRule(
      `${tag.name} is a ${tag.kind} tag: its members follow its definition and cannot be changed by hand`,
    );
  }
}

export async function tagMembers(
  tx: Executor,
  tenantId: string,
  tag: Tag,
  memberIds: readonly string[],
  options: { expires_at?: Date | undefined; source: TagSource; actor: string },
  now: Date,
  principal: Principal | undefined,
): Promise<{ tagged: number; not_found: string[] }> {
  assertGivenByHand(tag);
  if (options.expires_at !== undefined && options.expires_at <= now)
    throw invalidField("/expires_at", "must be in the future");
  const visible = await visibleMembers(tx, tenantId, memberIds, principal);
  const expiresAt = options.expires_at ?? defaultExpiry(tag, now);
  await writeHolds(
    tx,
    tenantId,
    tag.tag_id,
    [...visible].map((member_id) => ({ member_id, expires_at: expiresAt })),
    { source: options.source, source_ref: options.actor },
    now,
  );
  return { tagged: visible.size, not_found: [...new Set(memberIds)].filter((id) => !visible.has(id)) };
}

export async function untagMembers(
  tx: Executor,
  tenantId: string,
  tag: Tag,
  memberIds: readonly string[],
  now: Date,
  principal: Principal | undefined,
): Promise<{ untagged: number; not_found: string[] }> {
  assertGivenByHand(tag);
  const visible = await visibleMembers(tx, tenantId, memberIds, principal);
  const ids = [...visible];
  if (ids.length > 0) {
    await tx
      .deleteFrom("audience_member_tags")
      .where("tenant_id", "=", tenantId)
      .where("tag_id", "=", tag.tag_id)
      .where("member_id", "in", ids)
      .execute();
    await markDirty(tx, tenantId, ids, ["tags"], now);
  }
  return { untagged: ids.length, not_found: [...new Set(memberIds)].filter((id) => !visible.has(id)) };
}

const KEY_COLUMNS = ["member_id", "phone", "card_no"] as const;

/**
 * Tags the members a CSV names. A malformed file (unknown column, bad time) is a 400 naming the line and nothing
 * is tagged; members that are not found (or not in scope) are listed and the rest are tagged.
 */
export async function tagByCsv(
  tx: Executor,
  tenantId: string,
  tag: Tag,
  csv: string,
  actor: string,
  now: Date,
  principal: Principal | undefined,
): Promise<{ tagged: number; not_found: string[] }> {
  assertGivenByHand(tag);
  const parsed = parseCsv(csv);
  const lineProblem = (line: number, message: string) =>
    new Problem("validation-failed", `line ${line}: ${message}`, {
      errors: [{ in: "body", field: `/csv/${line}`, message }],
    });
  if (!parsed.ok) throw lineProblem(parsed.line, parsed.message);
  const keyColumn = KEY_COLUMNS.find((c) => parsed.header.includes(c));
  const unknown = parsed.header.find(
    (c) => !(KEY_COLUMNS as readonly string[]).includes(c) && c !== "expires_at",
  );
  if (unknown !== undefined)
    throw lineProblem(
      1,
      `unknown column ${unknown}; use one of member_id, phone, card_no and optionally expires_at`,
    );
  if (keyColumn === undefined) throw lineProblem(1, "needs a member_id, phone or card_no column");
  if (parsed.rows.length > MAX_CSV_ROWS) throw lineProblem(1, `at most ${MAX_CSV_ROWS} rows`);
  const keyAt = parsed.header.indexOf(keyColumn);
  const expiresAt = parsed.header.indexOf("expires_at");
  const rows: { line: number; key: string; expires_at: Date | undefined }[] = [];
  for (const row of parsed.rows) {
    if (row.cells.length !== parsed.header.length)
      throw lineProblem(row.line, `has ${row.cells.length} fields; the header has ${parsed.header.length}`);
    const key = row.cells[keyAt] ?? "";
    if (key === "") throw lineProblem(row.line, `${keyColumn} is empty`);
    const rawExpiry = expiresAt >= 0 ? (row.cells[expiresAt] ?? "") : "";
    const expiry = rawExpiry === "" ? undefined : new Date(rawExpiry);
    if (expiry !== undefined && (Number.isNaN(expiry.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(rawExpiry))) {
      throw lineProblem(row.line, `expires_at "${rawExpiry}" is not an RFC 3339 time`);
    }
    if (expiry !== undefined && expiry <= now)
      throw lineProblem(row.line, "expires_at must be in the future");
    rows.push({ line: row.line, key, expires_at: expiry });
  }
  const resolved = new Map<string, string>();
  if (keyColumn === "member_id") {
    for (const id of await visibleMembers(
      tx,
      tenantId,
      rows.map((r) => r.key),
      principal,
    ))
      resolved.set(id, id);
  } else {
    const normalized = new Map<string, string>();
    if (keyColumn === "phone") {
      for (const r of rows) {
        const phone = await normalizeTenantPhone(tx, tenantId, r.key);
        if (phone) normalized.set(r.key, phone);
      }
    }
    const found = await membersByKeys(
      tx,
      tenantId,
      keyColumn === "phone"
        ? { phones: [...normalized.values()], cardNos: [] }
        : { phones: [], cardNos: rows.map((r) => r.key) },
      principal,
    );
    for (const r of rows) {
      const memberId =
        keyColumn === "phone" ? found.byPhone.get(normalized.get(r.key) ?? "") : found.byCardNo.get(r.key);
      if (memberId) resolved.set(r.key, memberId);
    }
  }
  const holds = new Map<string, TagHold>();
  const notFound: string[] = [];
  for (const r of rows) {
    const memberId = resolved.get(r.key);
    if (!memberId) {
      notFound.push(r.key);
      continue;
    }
    holds.set(memberId, { member_id: memberId, expires_at: r.expires_at ?? defaultExpiry(tag, now) });
  }
  await writeHolds(tx, tenantId, tag.tag_id, [...holds.values()], { source: "csv", source_ref: actor }, now);
  return { tagged: holds.size, not_found: notFound };
}

/** Tags given by the system to one member (a scene at join, a keyword in chat), each with its tag's expiry. */
export async function giveTags(
  tx: Executor,
  tenantId: string,
  memberId: string,
  tags: readonly Tag[],
  source: { source: TagSource; source_ref: string | null },
  now: Date,
): Promise<void> {
  for (const tag of tags)
    await writeHolds(
      tx,
      tenantId,
      tag.tag_id,
      [{ member_id: memberId, expires_at: defaultExpiry(tag, now) }],
      source,
      now,
    );
}

export interface MemberTag {
  tag_id: string;
  name: string;
  group_id: string;
  group_name: string;
  dimension: TagDimension;
  source: string;
  source_ref: string | null;
  tagged_at: Date;
  expires_at: Date | null;
}

/** The tags a member holds now (expired ones are gone). */
export async function memberTags(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<MemberTag[]> {
  return db
    .selectFrom("audience_member_tags as mt")
    .innerJoin("audience_tags as t", (j) =>
      j.onRef("t.tenant_id", "=", "mt.tenant_id").onRef("t.tag_id", "=", "mt.tag_id"),
    )
    .innerJoin("audience_tag_groups as g", (j) =>
      j.onRef("g.tenant_id", "=", "t.tenant_id").onRef("g.group_id", "=", "t.group_id"),
    )
    .select([
      "mt.tag_id",
      "t.name",
      "t.group_id",
      "g.name as group_name",
      "g.dimension",
      "mt.source",
      "mt.source_ref",
      "mt.tagged_at",
      "mt.expires_at",
    ])
    .where("mt.tenant_id", "=", tenantId)
    .where("mt.member_id", "=", memberId)
    .where((eb) => eb.or([eb("mt.expires_at", "is", null), eb("mt.expires_at", ">", now)]))
    .orderBy("g.name")
    .orderBy("t.name")
    .execute();
}

const EXPIRY_BATCH = 5_000;

/**
 * Removes holds that expired, a bounded batch per call (the caller drains), and marks their members so the
 * segments that read tags follow. Conditions already ignore expired holds; this keeps the table small and the
 * segments' stored memberships current.
 */
export async function purgeExpiredTags(tx: Executor, now: Date): Promise<number> {
  const result = await sql<{ tenant_id: string; member_id: string }>`
    DELETE FROM audience_member_tags mt
    USING (SELECT tenant_id, member_id, tag_id FROM audience_member_tags
           WHERE expires_at <= ${now.toISOString()}::timestamptz LIMIT ${EXPIRY_BATCH}) e
    WHERE mt.tenant_id = e.tenant_id AND mt.member_id = e.member_id AND mt.tag_id = e.tag_id
    RETURNING mt.tenant_id, mt.member_id`.execute(tx);
  const expired = result.rows;
  const byTenant = new Map<string, string[]>();
  for (const row of expired)
    byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row.member_id]);
  for (const [tenantId, ids] of byTenant) await markDirty(tx, tenantId, ids, ["tags"], now);
  return expired.length;
}
