import { type ExpressionBuilder, sql } from "kysely";
import { getOrgUnit } from "../org/service.ts";
import { getTenant } from "../tenants/service.ts";
import type { Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { parseTimeKey, timeKey, toPage } from "../platform/http/pagination.ts";
import { invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import type { Tables } from "../tables.ts";
import { isValidCardNo, newCardNo, normalizePhone } from "./rules.ts";
import type { Consent, ConsentChannel, Gender, MemberStatus } from "./tables.ts";

export interface Member {
  member_id: string;
  card_no: string;
  status: MemberStatus;
  merged_into: string | null;
  phone: string | null;
  email: string | null;
  name: string | null;
  gender: Gender;
  birthday: string | null;
  region: string | null;
  consent: Consent;
  join_channel: string;
  join_store_id: string | null;
  join_guide_id: string | null;
  scene_key: string | null;
  home_store_id: string | null;
  guide_id: string | null;
  attributes: Record<string, unknown>;
  joined_at: Date;
  created_at: Date;
  updated_at: Date;
}

export interface Identity {
  kind: string;
  value: string;
}

export interface JoinInput {
  phone?: string | undefined;
  email?: string | undefined;
  name?: string | undefined;
  gender?: Gender | undefined;
  birthday?: string | undefined;
  region?: string | undefined;
  consent?: Partial<Record<ConsentChannel, boolean>> | undefined;
  identities?: Identity[] | undefined;
  channel: string;
  store_id?: string | undefined;
  guide_id?: string | undefined;
  scene_key?: string | undefined;
  attributes?: Record<string, unknown> | undefined;
  /** When the card was opened, for imports; defaults to now. */
  joined_at?: Date | undefined;
}

const MEMBER_COLUMNS = [
  "member_id",
  "card_no",
  "status",
  "merged_into",
  "phone",
  "email",
  "name",
  "gender",
  "birthday",
  "region",
  "consent",
  "join_channel",
  "join_store_id",
  "join_guide_id",
  "scene_key",
  "home_store_id",
  "guide_id",
  "attributes",
  "joined_at",
  "created_at",
  "updated_at",
] as const;

const MAX_CARD_NO_ATTEMPTS = 5;

function consentOf(
  input: Partial<Record<ConsentChannel, boolean>> | undefined,
  now: Date,
  previous: Consent = {},
): Consent {
  const result: Consent = { ...previous };
  for (const [channel, granted] of Object.entries(input ?? {}) as [ConsentChannel, boolean][]) {
    result[channel] = { granted, at: now.toISOString() };
  }
  return result;
}

export function parsePhone(raw: string, country: string, field = "/phone"): string {
  const phone = normalizePhone(raw, country);
  if (!phone) throw invalidField(field, `"${raw}" is not a valid phone number`);
  return phone;
}

async function tenantCountry(db: Executor, tenantId: string): Promise<string> {
  return (await getTenant(db, tenantId)).country;
}

async function unusedCardNo(db: Executor, tenantId: string): Promise<string> {
  for (let attempt = 0; attempt < MAX_CARD_NO_ATTEMPTS; attempt++) {
    const cardNo = newCardNo();
    const taken = await db
      .selectFrom("members")
      .select("member_id")
      .where("tenant_id", "=", tenantId)
      .where("card_no", "=", cardNo)
      .executeTakeFirst();
    if (!taken) return cardNo;
  }
  throw new Problem("internal", "could not allocate a card number");
}

async function assertStore(db: Executor, tenantId: string, storeId: string | undefined, field: string) {
  if (storeId === undefined) return;
  const unit = await getOrgUnit(db, tenantId, storeId).catch(() => undefined);
  if (unit?.kind !== "store") throw invalidField(field, `${storeId} is not a store of this brand`);
}

async function assertGuide(db: Executor, tenantId: string, guideId: string | undefined, field: string) {
  if (guideId === undefined) return;
  const staff = await db
    .selectFrom("staff")
    .select("staff_id")
    .where("tenant_id", "=", tenantId)
    .where("staff_id", "=", guideId)
    .executeTakeFirst();
  if (!staff) throw invalidField(field, `${guideId} is not a staff member of this brand`);
}

/** Who already holds these identities (other than `except`). */
async function identityOwners(db: Executor, tenantId: string, identities: Identity[], except?: string) {
  if (identities.length === 0) return [];
  const rows = await db
    .selectFrom("member_identities")
    .select(["kind", "value", "member_id"])
    .where("tenant_id", "=", tenantId)
    .where((eb) => eb.or(identities.map((i) => eb.and([eb("kind", "=", i.kind), eb("value", "=", i.value)]))))
    .execute();
  return rows.filter((r) => r.member_id !== except);
}

/**
 * Opens a card. A phone already held by a member is a conflict naming that member; a phone held by a
 * prospect (known from an order, never joined) turns that prospect into the member, keeping its history.
 */
export async function joinMember(
  tx: Executor,
  tenantId: string,
  input: JoinInput,
  now: Date,
  options: { status?: "active" | "prospect" } = {},
): Promise<Member> {
  const country = await tenantCountry(tx, tenantId);
  const phone = input.phone === undefined ? undefined : parsePhone(input.phone, country);
  const identities = input.identities ?? [];
  if (phone === undefined && identities.length === 0) {
    throw invalidField("/phone", "a member needs a phone number or at least one identity");
  }
  await assertStore(tx, tenantId, input.store_id, "/store_id");
  await assertGuide(tx, tenantId, input.guide_id, "/guide_id");

  const existing = phone
    ? await tx
        .selectFrom("members")
        .select(MEMBER_COLUMNS)
        .where("tenant_id", "=", tenantId)
        .where("phone", "=", phone)
        .where("status", "in", ["active", "prospect"])
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (existing && (existing.status === "active" || options.status === "prospect")) {
    throw new Problem("conflict", `phone ${phone} already belongs to member ${existing.member_id}`, {
      errors: [{ in: "body", field: "/phone", message: "already belongs to a member" }],
      extensions: { existing_member_id: existing.member_id },
    });
  }
  const taken = await identityOwners(tx, tenantId, identities, existing?.member_id);
  const firstTaken = taken[0];
  if (firstTaken) {
    throw new Problem(
      "conflict",
      `identity ${firstTaken.kind}:${firstTaken.value} already belongs to member ${firstTaken.member_id}`,
      {
        errors: [{ in: "body", field: "/identities", message: "already belongs to a member" }],
        extensions: { existing_member_id: firstTaken.member_id },
      },
    );
  }

  const joinedAt = input.joined_at ?? now;
  const values = {
    email: input.email ?? null,
    name: input.name ?? null,
    gender: input.gender ?? "unknown",
    birthday: input.birthday ?? null,
    region: input.region ?? null,
    join_channel: input.channel,
    join_store_id: input.store_id ?? null,
    join_guide_id: input.guide_id ?? null,
    scene_key: input.scene_key ?? null,
    home_store_id: input.store_id ?? null,
    guide_id: input.guide_id ?? null,
    joined_at: joinedAt,
    updated_at: now,
  };
  let member: Member;
  if (existing) {
    member = await tx
      .updateTable("members")
      .set({
        ...values,
        status: "active",
        consent: JSON.stringify(consentOf(input.consent, now, existing.consent)),
        attributes: JSON.stringify({ ...existing.attributes, ...input.attributes }),
      })
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", existing.member_id)
      .returning(MEMBER_COLUMNS)
      .executeTakeFirstOrThrow();
  } else {
    member = await tx
      .insertInto("members")
      .values({
        ...values,
        tenant_id: tenantId,
        member_id: newId("member"),
        card_no: await unusedCardNo(tx, tenantId),
        status: options.status ?? "active",
        merged_into: null,
        phone: phone ?? null,
        consent: JSON.stringify(consentOf(input.consent, now)),
        attributes: JSON.stringify(input.attributes ?? {}),
        created_at: now,
      })
      .returning(MEMBER_COLUMNS)
      .executeTakeFirstOrThrow();
  }
  if (identities.length > 0) {
    await tx
      .insertInto("member_identities")
      .values(
        identities.map((i) => ({
          tenant_id: tenantId,
          kind: i.kind,
          value: i.value,
          member_id: member.member_id,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  await recordEvent(tx, {
    tenantId,
    type: member.status === "prospect" ? "member.prospect_created" : "member.joined",
    subjectId: member.member_id,
    at: now,
    payload: {
      member_id: member.member_id,
      card_no: member.card_no,
      channel: member.join_channel,
      store_id: member.join_store_id,
      guide_id: member.join_guide_id,
      scene_key: member.scene_key,
      from_prospect: existing !== undefined,
    },
  });
  return member;
}

/** Members a principal may see: staff below HQ see their stores' members; a guide, their own. */
export function memberScope(principal: Principal | undefined) {
  return (eb: ExpressionBuilder<Tables, "members">) => {
    if (principal?.kind === "member") return eb("members.member_id", "=", principal.memberId);
    if (principal?.kind !== "staff" || principal.role === "owner" || principal.role === "hq_operator") {
      return sql<boolean>`true`;
    }
    if (principal.role === "guide") return eb("members.guide_id", "=", principal.staffId);
    return eb(
      "members.home_store_id",
      "in",
      eb
        .selectFrom("org_units")
        .select("org_units.org_unit_id")
        .where("org_units.tenant_id", "=", principal.tenantId)
        .where("org_units.path", "like", `${principal.orgPath}%`),
    );
  };
}

/**
 * Whether the member exists and the principal may see them: `getMember`'s check without reading the record, for
 * read paths that only need the check (a checkout quote, on the till's critical path).
 */
export async function isMemberVisible(
  db: Executor,
  tenantId: string,
  memberId: string,
  principal: Principal | undefined,
): Promise<boolean> {
  const row = await db
    .selectFrom("members")
    .select("members.member_id")
    .where("members.tenant_id", "=", tenantId)
    .where("members.member_id", "=", memberId)
    .where(memberScope(principal))
    .executeTakeFirst();
  return row !== undefined;
}

export async function getMember(
  db: Executor,
  tenantId: string,
  memberId: string,
  principal?: Principal,
): Promise<Member> {
  const member = await db
    .selectFrom("members")
    .select(MEMBER_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where(memberScope(principal))
    .executeTakeFirst();
  // Out of scope reads the same as absent: a guide learns nothing about other guides' members.
  if (!member) throw notFound("member", memberId);
  return member;
}

/**
 * Display name and card number of each of these members, for lists that name who a row is about (the mall's
 * redemptions) in one query instead of one look-up per row. Absent ids are left out of the map.
 */
export async function memberLabels(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
): Promise<Map<string, { name: string | null; card_no: string }>> {
  const ids = [...new Set(memberIds)];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("members")
    .select(["member_id", "name", "card_no"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", ids)
    .execute();
  return new Map(rows.map((r) => [r.member_id, { name: r.name, card_no: r.card_no }]));
}

export type LookupKey =
  { phone: string } | { card_no: string } | { identity: Identity } | { member_id: string };

/** Finds a live member by phone, card number, external identity or id; undefined when none. */
export async function findMember(
  db: Executor,
  tenantId: string,
  key: LookupKey,
  principal?: Principal,
): Promise<Member | undefined> {
  let query = db
    .selectFrom("members")
    .select(MEMBER_COLUMNS.map((c) => `members.${c}` as const))
    .where("members.tenant_id", "=", tenantId)
    .where(memberScope(principal));
  if ("phone" in key) {
    const phone = normalizePhone(key.phone, await tenantCountry(db, tenantId));
    if (!phone) return undefined;
    query = query.where("members.phone", "=", phone).where("members.status", "in", ["active", "prospect"]);
  } else if ("card_no" in key) {
    if (!isValidCardNo(key.card_no)) return undefined;
    query = query.where("members.card_no", "=", key.card_no);
  } else if ("member_id" in key) {
    query = query.where("members.member_id", "=", key.member_id);
  } else {
    query = query.where("members.member_id", "=", (eb) =>
      eb
        .selectFrom("member_identities")
        .select("member_identities.member_id")
        .where("member_identities.tenant_id", "=", tenantId)
        .where("member_identities.kind", "=", key.identity.kind)
        .where("member_identities.value", "=", key.identity.value),
    );
  }
  return query.executeTakeFirst();
}

export async function listIdentities(db: Executor, tenantId: string, memberId: string): Promise<Identity[]> {
  return db
    .selectFrom("member_identities")
    .select(["kind", "value"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .orderBy("kind")
    .execute();
}

export interface MemberListFilter {
  status?: MemberStatus | undefined;
  store_id?: string | undefined;
  guide_id?: string | undefined;
  /** Matches the start of name, phone digits or card number. */
  q?: string | undefined;
}

export async function listMembers(
  db: Executor,
  tenantId: string,
  filter: MemberListFilter,
  page: { limit: number; after: string | undefined },
  principal?: Principal,
): Promise<{ items: Member[]; next_cursor: string | null }> {
  let query = db
    .selectFrom("members")
    .select(MEMBER_COLUMNS.map((c) => `members.${c}` as const))
    .where("members.tenant_id", "=", tenantId)
    .where(memberScope(principal));
  if (filter.status) query = query.where("members.status", "=", filter.status);
  if (filter.store_id) query = query.where("members.home_store_id", "=", filter.store_id);
  if (filter.guide_id) query = query.where("members.guide_id", "=", filter.guide_id);
  if (filter.q) {
    const q = filter.q.trim();
    const digits = q.replace(/\D/g, "");
    query = query.where((eb) =>
      eb.or([
        eb("members.name", "like", `${q.replace(/[%_\\]/g, "\\$&")}%`),
        ...(digits.length >= 4
          ? [eb("members.phone", "like", `%${digits}%`), eb("members.card_no", "=", digits)]
          : []),
      ]),
    );
  }
  if (page.after) query = query.where("members.member_id", ">", page.after);
  const rows = await query
    .orderBy("members.member_id")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (row) => row.member_id);
}

export interface ProfilePatch {
  name?: string | null | undefined;
  email?: string | null | undefined;
  gender?: Gender | undefined;
  birthday?: string | null | undefined;
  region?: string | null | undefined;
  phone?: string | undefined;
  consent?: Partial<Record<ConsentChannel, boolean>> | undefined;
  attributes?: Record<string, unknown> | undefined;
}

export async function updateMember(
  tx: Executor,
  tenantId: string,
  memberId: string,
  patch: ProfilePatch,
  now: Date,
  principal?: Principal,
): Promise<Member> {
  const current = await getMember(tx, tenantId, memberId, principal);
  if (current.status === "merged" || current.status === "erased") {
    throw new Problem("business-rule", `member ${memberId} is ${current.status} and cannot be changed`);
  }
  const changes: Record<string, unknown> = {};
  for (const field of ["name", "email", "gender", "birthday", "region"] as const) {
    if (patch[field] !== undefined) changes[field] = patch[field];
  }
  if (patch.phone !== undefined) {
    const phone = parsePhone(patch.phone, await tenantCountry(tx, tenantId));
    if (phone !== current.phone) {
      const holder = await findMember(tx, tenantId, { phone });
      if (holder) {
        throw new Problem("conflict", `phone ${phone} already belongs to member ${holder.member_id}`, {
          errors: [{ in: "body", field: "/phone", message: "already belongs to a member" }],
          extensions: { existing_member_id: holder.member_id },
        });
      }
      changes.phone = phone;
    }
  }
  if (patch.consent) changes.consent = JSON.stringify(consentOf(patch.consent, now, current.consent));
  if (patch.attributes) changes.attributes = JSON.stringify({ ...current.attributes, ...patch.attributes });
  if (Object.keys(changes).length === 0) return current;
  const updated = await tx
    .updateTable("members")
    .set({ ...changes, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .returning(MEMBER_COLUMNS)
    .executeTakeFirstOrThrow();
  await recordEvent(tx, {
    tenantId,
    type: "member.updated",
    subjectId: memberId,
    at: now,
    payload: { member_id: memberId, fields: Object.keys(changes) },
  });
  return updated;
}

export interface TimelineEntry {
  event_id: string;
  type: string;
  occurred_at: Date;
  payload: Record<string, unknown>;
}

/** Everything that happened to a member, newest first: the outbox is the member's history. */
export async function memberTimeline(
  db: Executor,
  tenantId: string,
  memberId: string,
  page: { limit: number; before: string | undefined },
): Promise<{ items: TimelineEntry[]; next_cursor: string | null }> {
  let query = db
    .selectFrom("outbox")
    .select(["event_id", "type", "occurred_at", "payload"])
    .where("tenant_id", "=", tenantId)
    .where("subject_id", "=", memberId);
  if (page.before) {
    const { at, id } = parseTimeKey(page.before);
    query = query.where((eb) =>
      eb.or([eb("occurred_at", "<", at), eb.and([eb("occurred_at", "=", at), eb("event_id", "<", id)])]),
    );
  }
  const rows = await query
    .orderBy("occurred_at", "desc")
    .orderBy("event_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (row) => timeKey(row.occurred_at, row.event_id));
}

export interface ImportedMember {
  /** E.164, or null for a member known only by identities (e.g. a customer id from another system). */
  phone: string | null;
  identities?: Identity[];
  name: string | null;
  gender: Gender;
  birthday: string | null;
  region: string | null;
  consent: Partial<Record<ConsentChannel, boolean>>;
  channel: string;
  store_id: string | null;
  guide_id: string | null;
  scene_key: string | null;
  joined_at: Date;
}

const IMPORT_BATCH_SIZE = 500;

/** A card number not yet used in this statement. */
function uniqueIn(taken: Set<string>): string {
  for (;;) {
    const card = newCardNo();
    if (!taken.has(card)) {
      taken.add(card);
      return card;
    }
  }
}

/**
 * Bulk load of members already validated by the caller (migrations from another system, the demo).
 * Phones must be E.164 and unused, identities unused; one multi-row insert per batch instead of one join per member.
 */
export async function importMembers(
  tx: Executor,
  tenantId: string,
  rows: ImportedMember[],
  now: Date,
): Promise<Member[]> {
  const created: Member[] = [];
  for (let start = 0; start < rows.length; start += IMPORT_BATCH_SIZE) {
    const batch = rows.slice(start, start + IMPORT_BATCH_SIZE);
    // Ids are made here, so identities are tied to their member by id, not by the order rows come back in.
    const ids = batch.map(() => newId("member"));
    // Random card numbers can collide (10^10 of them; thousands per batch): a clash is skipped by the insert and
    // that member tried again with a new number.
    let waiting = batch.map((row, i) => ({ row, id: ids[i] ?? newId("member") }));
    const inserted: Member[] = [];
    for (let attempt = 0; waiting.length > 0; attempt++) {
      if (attempt >= MAX_CARD_NO_ATTEMPTS) throw new Problem("internal", "could not allocate card numbers");
      const cards = new Set<string>();
      const rowsNow = await tx
        .insertInto("members")
        .values(
          waiting.map(({ row, id }) => ({
            tenant_id: tenantId,
            member_id: id,
            card_no: uniqueIn(cards),
            status: "active" as const,
            merged_into: null,
            phone: row.phone,
            email: null,
            name: row.name,
            gender: row.gender,
            birthday: row.birthday,
            region: row.region,
            consent: JSON.stringify(consentOf(row.consent, row.joined_at)),
            join_channel: row.channel,
            join_store_id: row.store_id,
            join_guide_id: row.guide_id,
            scene_key: row.scene_key,
            home_store_id: row.store_id,
            guide_id: row.guide_id,
            attributes: "{}",
            joined_at: row.joined_at,
            created_at: now,
            updated_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(["tenant_id", "card_no"]).doNothing())
        .returning(MEMBER_COLUMNS)
        .execute();
      inserted.push(...rowsNow);
      const done = new Set(rowsNow.map((m) => m.member_id));
      waiting = waiting.filter((w) => !done.has(w.id));
    }
    const identities = batch.flatMap((row, i) =>
      (row.identities ?? []).map((identity) => ({ identity, memberId: ids[i] ?? "" })),
    );
    if (identities.length > 0) {
      await tx
        .insertInto("member_identities")
        .values(
          identities.map(({ identity, memberId }) => ({
            tenant_id: tenantId,
            kind: identity.kind,
            value: identity.value,
            member_id: memberId,
          })),
        )
        .execute();
    }
    await tx
      .insertInto("outbox")
      .values(
        inserted.map((m) => ({
          tenant_id: tenantId,
          event_id: newId("event"),
          type: "member.joined",
          subject_id: m.member_id,
          payload: JSON.stringify({
            member_id: m.member_id,
            card_no: m.card_no,
            channel: m.join_channel,
            store_id: m.join_store_id,
            guide_id: m.join_guide_id,
            scene_key: m.scene_key,
            from_prospect: false,
            imported: true,
          }),
          occurred_at: m.joined_at,
          // History, not news: nothing downstream should react to a years-old join.
          relayed_at: now,
        })),
      )
      .execute();
    created.push(...inserted);
  }
  return created;
}

/** How another system names a member: our id, a phone, or an identity on another system. */
export type MemberRef = { member_id: string } | { phone: string } | { identity: Identity };

export interface ResolvedMember {
  member_id: string;
  status: MemberStatus;
  phone: string | null;
  joined_at: Date;
  home_store_id: string | null;
  guide_id: string | null;
}

const MAX_MERGE_HOPS = 5;

/**
 * Resolves many references at once (three queries at most), following merges to the surviving member.
 * Unknown references resolve to undefined; a phone that is not valid resolves to undefined too.
 */
export async function resolveMemberRefs(
  db: Executor,
  tenantId: string,
  refs: MemberRef[],
): Promise<(ResolvedMember | undefined)[]> {
  const country = await tenantCountry(db, tenantId);
  const phones = refs.map((r) => ("phone" in r ? (normalizePhone(r.phone, country) ?? null) : null));
  const columns = [
    "member_id",
    "status",
    "phone",
    "joined_at",
    "home_store_id",
    "guide_id",
    "merged_into",
  ] as const;
  const ids = [...new Set(refs.flatMap((r) => ("member_id" in r ? [r.member_id] : [])))];
  const byId = new Map<string, ResolvedMember & { merged_into: string | null }>();
  const loadIds = async (list: string[]) => {
    if (list.length === 0) return;
    const rows = await db
      .selectFrom("members")
      .select(columns)
      .where("tenant_id", "=", tenantId)
      .where("member_id", "in", list)
      .execute();
    for (const row of rows) byId.set(row.member_id, row);
  };
  await loadIds(ids);
  const phoneList = [...new Set(phones.filter((p): p is string => p !== null))];
  const byPhone = new Map<string, ResolvedMember & { merged_into: string | null }>();
  if (phoneList.length > 0) {
    const rows = await db
      .selectFrom("members")
      .select(columns)
      .where("tenant_id", "=", tenantId)
      .where("phone", "in", phoneList)
      .where("status", "in", ["active", "prospect"])
      .execute();
    for (const row of rows) if (row.phone) byPhone.set(row.phone, row);
  }
  const identities = refs.flatMap((r) => ("identity" in r ? [r.identity] : []));
  const byIdentity = new Map<string, string>();
  if (identities.length > 0) {
    const rows = await db
      .selectFrom("member_identities")
      .select(["kind", "value", "member_id"])
      .where("tenant_id", "=", tenantId)
      .where((eb) =>
        eb.or(identities.map((i) => eb.and([eb("kind", "=", i.kind), eb("value", "=", i.value)]))),
      )
      .execute();
    for (const row of rows) byIdentity.set(`${row.kind}\u0000${row.value}`, row.member_id);
    await loadIds([...new Set(rows.map((r) => r.member_id))].filter((id) => !byId.has(id)));
  }
  // Follow merges: an order for an absorbed member belongs to the survivor.
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    const missing = [...byId.values()].flatMap((m) =>
      m.merged_into && !byId.has(m.merged_into) ? [m.merged_into] : [],
    );
    if (missing.length === 0) break;
    await loadIds([...new Set(missing)]);
  }
  const survivor = (member: (ResolvedMember & { merged_into: string | null }) | undefined) => {
    let current = member;
    for (let hop = 0; current?.merged_into && hop < MAX_MERGE_HOPS; hop++)
      current = byId.get(current.merged_into);
    if (!current || current.status === "merged" || current.status === "erased") return undefined;
    const { merged_into: _, ...resolved } = current;
    return resolved;
  };
  return refs.map((ref, i) => {
    if ("member_id" in ref) return survivor(byId.get(ref.member_id));
    if ("phone" in ref) {
      const phone = phones[i];
      return phone ? survivor(byPhone.get(phone)) : undefined;
    }
    const id = byIdentity.get(`${ref.identity.kind}\u0000${ref.identity.value}`);
    return id ? survivor(byId.get(id)) : undefined;
  });
}

export async function normalizeTenantPhone(
  db: Executor,
  tenantId: string,
  raw: string,
): Promise<string | undefined> {
  return normalizePhone(raw, await tenantCountry(db, tenantId));
}

/**
 * Remembers that a member is also known by this identity (a shop's customer id first matched by phone), so later
 * orders carrying only the identity find them. An identity already held by another member stays theirs.
 */
export async function linkIdentity(
  tx: Executor,
  tenantId: string,
  memberId: string,
  identity: Identity,
): Promise<boolean> {
  const inserted = await tx
    .insertInto("member_identities")
    .values({ tenant_id: tenantId, kind: identity.kind, value: identity.value, member_id: memberId })
    .onConflict((oc) => oc.doNothing())
    .returning("member_id")
    .executeTakeFirst();
  return inserted !== undefined;
}
