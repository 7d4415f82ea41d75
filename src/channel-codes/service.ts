import { randomInt } from "node:crypto";
import { getTag, KEPT_KINDS, type Tag } from "../audience/tags/catalog.ts";
import { findPack, findTemplate } from "../coupons/templates.ts";
import { getOrgUnit, getRootOrgUnit } from "../org/service.ts";
import { findStaffPlacement, isWithin, scopePathOf } from "../org/staff.ts";
import type { Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { toPage } from "../platform/http/pagination.ts";
import { invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import type { ChannelCodeKind } from "./tables.ts";

/**
 * Channel QR codes ("live codes"): each carries a scene key. Scanning opens the member center's join page with
 * that scene; joining through it tags the member, places them with the code's store and guide, and may give a
 * welcome coupon or pack. Scans, joins and first orders are counted per code and day.
 */

export const MAX_TAGS_PER_CODE = 20;
/** Scene keys we make up: short enough for a QR code that prints small, 40 random bits. */
const SCENE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
const SCENE_LENGTH = 8;

export function newSceneKey(): string {
  let key = "";
  for (let i = 0; i < SCENE_LENGTH; i++) key += SCENE_ALPHABET[randomInt(SCENE_ALPHABET.length)];
  return key;
}

export interface ChannelCode {
  code_id: string;
  scene_key: string;
  name: string;
  kind: ChannelCodeKind;
  store_id: string | null;
  guide_id: string | null;
  campaign: string | null;
  org_path: string;
  tag_ids: string[];
  welcome_coupon: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  "code_id",
  "scene_key",
  "name",
  "kind",
  "store_id",
  "guide_id",
  "campaign",
  "org_path",
  "tag_ids",
  "welcome_coupon",
  "active",
  "created_at",
  "updated_at",
] as const;

export interface CodeInput {
  name: string;
  kind: ChannelCodeKind;
  scene_key?: string | undefined;
  store_id?: string | undefined;
  guide_id?: string | undefined;
  campaign?: string | undefined;
  tag_ids?: string[] | undefined;
  welcome_coupon?: string | undefined;
}

async function checkTags(db: Executor, tenantId: string, tagIds: readonly string[]): Promise<Tag[]> {
  const tags: Tag[] = [];
  for (const [i, tagId] of tagIds.entries()) {
    const tag = await getTag(db, tenantId, tagId).catch(() => {
      throw invalidField(`/tag_ids/${i}`, `no tag ${tagId}`);
    });
    if (KEPT_KINDS.includes(tag.kind))
      throw invalidField(`/tag_ids/${i}`, `${tag.name} is a ${tag.kind} tag and follows its definition`);
    tags.push(tag);
  }
  return tags;
}

async function checkWelcome(db: Executor, tenantId: string, code: string | undefined): Promise<void> {
  if (code === undefined) return;
  const template = await findTemplate(db, tenantId, { code });
  const pack = template ? undefined : await findPack(db, tenantId, { code });
  if (!template && !pack) throw invalidField("/welcome_coupon", `no coupon template or pack ${code}`);
}

/** Where a new code sits, checked against the caller's subtree. */
async function placementOf(
  db: Executor,
  tenantId: string,
  input: CodeInput,
  principal: Principal,
): Promise<{ store_id: string | null; guide_id: string | null; org_path: string }> {
  const scope = scopePathOf(principal);
  let storeId: string | null = null;
  let guideId: string | null = null;
  let path: string | undefined;
  if (input.guide_id !== undefined) {
    const guide = await findStaffPlacement(db, tenantId, input.guide_id);
    if (!guide || guide.role !== "guide" || !isWithin(guide.org_path, scope))
      throw invalidField("/guide_id", `no guide ${input.guide_id} in your organisation`);
    guideId = guide.staff_id;
    path = guide.org_path;
    const unit = await getOrgUnit(db, tenantId, guide.org_unit_id);
    if (unit.kind === "store") storeId = unit.org_unit_id;
  }
  if (input.store_id !== undefined) {
    const store = await getOrgUnit(db, tenantId, input.store_id).catch(() => undefined);
    if (store?.kind !== "store" || !isWithin(store.path, scope))
      throw invalidField("/store_id", `no store ${input.store_id} in your organisation`);
    if (path !== undefined && !path.startsWith(store.path))
      throw invalidField("/store_id", "the guide does not work in this store");
    storeId = store.org_unit_id;
    path ??= store.path;
  }
  if (input.kind === "store" && storeId === null)
    throw invalidField("/store_id", "a store code names its store");
  if (input.kind === "guide" && guideId === null)
    throw invalidField("/guide_id", "a guide code names its guide");
  if (input.kind === "campaign" && !input.campaign)
    throw invalidField("/campaign", "a campaign code names its campaign");
  // A campaign code sits where its maker sits (an integrator's, at HQ).
  path ??= principal.kind === "staff" ? principal.orgPath : (await getRootOrgUnit(db, tenantId)).path;
  return { store_id: storeId, guide_id: guideId, org_path: path };
}

export async function createCode(
  tx: Executor,
  tenantId: string,
  input: CodeInput,
  principal: Principal,
  now: Date,
): Promise<ChannelCode> {
  // A guide makes codes for themselves only.
  if (principal.kind === "staff" && principal.role === "guide") {
    if (input.guide_id !== undefined && input.guide_id !== principal.staffId)
      throw invalidField("/guide_id", "a guide makes codes for themselves");
    input = { ...input, guide_id: principal.staffId };
  }
  const placed = await placementOf(tx, tenantId, input, principal);
  const tags = await checkTags(tx, tenantId, input.tag_ids ?? []);
  await checkWelcome(tx, tenantId, input.welcome_coupon);
  const sceneKey = input.scene_key ?? newSceneKey();
  const row = await tx
    .insertInto("channel_codes")
    .values({
      tenant_id: tenantId,
      code_id: newId("channelCode"),
      scene_key: sceneKey,
      name: input.name,
      kind: input.kind,
      ...placed,
      campaign: input.campaign ?? null,
      tag_ids: JSON.stringify(tags.map((t) => t.tag_id)),
      welcome_coupon: input.welcome_coupon ?? null,
      active: true,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "scene_key"]).doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw invalidField("/scene_key", `scene key ${sceneKey} is already used`);
  return row;
}

/** Staff see codes placed at or below their unit; a guide, their own and their store's. */
function visible(code: ChannelCode, principal: Principal | undefined): boolean {
  if (!isWithin(code.org_path, scopePathOf(principal))) return false;
  if (principal?.kind === "staff" && principal.role === "guide")
    return code.guide_id === null || code.guide_id === principal.staffId;
  return true;
}

export async function getCode(
  db: Executor,
  tenantId: string,
  codeId: string,
  principal: Principal | undefined,
): Promise<ChannelCode> {
  const code = await db
    .selectFrom("channel_codes")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("code_id", "=", codeId)
    .executeTakeFirst();
  if (!code || !visible(code, principal)) throw notFound("channel code", codeId);
  return code;
}

export async function findCodeByScene(
  db: Executor,
  tenantId: string,
  sceneKey: string,
): Promise<ChannelCode | undefined> {
  return db
    .selectFrom("channel_codes")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("scene_key", "=", sceneKey)
    .executeTakeFirst();
}

export async function listCodes(
  db: Executor,
  tenantId: string,
  filter: {
    store_id?: string | undefined;
    guide_id?: string | undefined;
    kind?: ChannelCodeKind | undefined;
  },
  page: { limit: number; after: string | undefined },
  principal: Principal | undefined,
): Promise<{ items: ChannelCode[]; next_cursor: string | null }> {
  let query = db.selectFrom("channel_codes").select(COLUMNS).where("tenant_id", "=", tenantId);
  const path = scopePathOf(principal);
  if (path !== undefined) query = query.where("org_path", "like", `${path}%`);
  if (principal?.kind === "staff" && principal.role === "guide")
    query = query.where((eb) => eb.or([eb("guide_id", "is", null), eb("guide_id", "=", principal.staffId)]));
  if (filter.store_id) query = query.where("store_id", "=", filter.store_id);
  if (filter.guide_id) query = query.where("guide_id", "=", filter.guide_id);
  if (filter.kind) query = query.where("kind", "=", filter.kind);
  if (page.after) query = query.where("code_id", ">", page.after);
  const rows = await query
    .orderBy("code_id")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (c) => c.code_id);
}

export async function updateCode(
  tx: Executor,
  tenantId: string,
  codeId: string,
  patch: {
    name?: string | undefined;
    tag_ids?: string[] | undefined;
    welcome_coupon?: string | null | undefined;
    active?: boolean | undefined;
  },
  principal: Principal,
  now: Date,
): Promise<ChannelCode> {
  const code = await getCode(tx, tenantId, codeId, principal);
  // A guide sees the store's codes but changes only their own.
  if (principal.kind === "staff" && principal.role === "guide" && code.guide_id !== principal.staffId)
    throw new Problem("forbidden", "a guide changes only their own codes");
  const tags = patch.tag_ids === undefined ? undefined : await checkTags(tx, tenantId, patch.tag_ids);
  if (patch.welcome_coupon) await checkWelcome(tx, tenantId, patch.welcome_coupon);
  return tx
    .updateTable("channel_codes")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(tags !== undefined ? { tag_ids: JSON.stringify(tags.map((t) => t.tag_id)) } : {}),
      ...(patch.welcome_coupon !== undefined ? { welcome_coupon: patch.welcome_coupon } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("code_id", "=", codeId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}
