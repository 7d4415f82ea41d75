import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { type FieldError, invalidField, notFound, Problem } from "../../platform/http/problems.ts";
import { type Condition, parseConditionOrThrow, tagReferences } from "../conditions/parse.ts";
import { audienceId } from "../ids.ts";
import type { TagDimension, TagKind } from "../tables.ts";
import { MAX_CYCLE_DAYS, type TagCreateBody, type TagGroupBody, type TagPatchBody } from "./schemas.ts";

/** Tag groups (dimensions) and tags: creating, reading, changing, deleting; each kind's definition checked here. */

export const MAX_TAGS_PER_BRAND = 5_000;
export const MAX_KEYWORD_TAGS_PER_BRAND = 500;

export interface TagGroup {
  group_id: string;
  name: string;
  dimension: TagDimension;
  description: string | null;
  created_at: Date;
}

/** The stored definition of each kind, parsed on read so that nothing downstream trusts raw jsonb. */
const StoredDefinition = Type.Object({
  condition: Type.Optional(Type.Unknown()),
  stage: Type.Optional(
    Type.Union([Type.Literal("first_purchase"), Type.Literal("repurchase"), Type.Literal("used_up")]),
  ),
  products: Type.Optional(
    Type.Array(Type.Object({ sku: Type.String(), cycle_days: Type.Optional(Type.Integer()) })),
  ),
  scene_keys: Type.Optional(Type.Array(Type.String())),
  keywords: Type.Optional(Type.Array(Type.String())),
});
export type TagDefinition = Static<typeof StoredDefinition>;

export interface Tag {
  tag_id: string;
  group_id: string;
  name: string;
  kind: TagKind;
  definition: TagDefinition;
  expires_after_days: number | null;
  created_at: Date;
  updated_at: Date;
}

/** Kinds whose holders are kept equal to a definition; people cannot give or take them by hand. */
export const KEPT_KINDS: readonly TagKind[] = ["rule", "product_lifecycle"];

const TAG_COLUMNS = [
  "tag_id",
  "group_id",
  "name",
  "kind",
  "definition",
  "expires_after_days",
  "created_at",
  "updated_at",
] as const;

export function toTag(row: Omit<Tag, "definition"> & { definition: Record<string, unknown> }): Tag {
  return { ...row, definition: Value.Parse(StoredDefinition, row.definition) };
}

/** A rule tag's condition, parsed (stored conditions were checked when saved). */
export function ruleCondition(tag: Tag): Condition {
  return parseConditionOrThrow(tag.definition.condition, "/condition");
}

export async function createTagGroup(
  tx: Executor,
  tenantId: string,
  input: Static<typeof TagGroupBody>,
  now: Date,
): Promise<TagGroup> {
  await assertUnique(
    tx,
    sql`SELECT 1 FROM audience_tag_groups WHERE tenant_id = ${tenantId} AND name = ${input.name}`,
    "/name",
    `a tag group named ${input.name} exists`,
  );
  return tx
    .insertInto("audience_tag_groups")
    .values({
      tenant_id: tenantId,
      group_id: audienceId("tagGroup"),
      name: input.name,
      dimension: input.dimension,
      description: input.description ?? null,
      created_at: now,
    })
    .returning(["group_id", "name", "dimension", "description", "created_at"])
    .executeTakeFirstOrThrow();
}

export async function listTagGroups(db: Executor, tenantId: string): Promise<TagGroup[]> {
  return db
    .selectFrom("audience_tag_groups")
    .select(["group_id", "name", "dimension", "description", "created_at"])
    .where("tenant_id", "=", tenantId)
    .orderBy("name")
    .execute();
}

async function assertUnique(
  db: Executor,
  query: ReturnType<typeof sql>,
  field: string,
  detail: string,
): Promise<void> {
  const taken = await query.execute(db);
  if (taken.rows.length > 0)
    throw new Problem("conflict", detail, { errors: [{ in: "body", field, message: "is already used" }] });
}

export async function getTag(db: Executor, tenantId: string, tagId: string): Promise<Tag> {
  const row = await db
    .selectFrom("audience_tags")
    .select(TAG_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("tag_id", "=", tagId)
    .executeTakeFirst();
  // A tag of another brand reads as absent, like any resource outside the caller's tenant.
  if (!row) throw notFound("tag", tagId);
  return toTag(row);
}

export async function listTags(
  db: Executor,
  tenantId: string,
  filter: { group_id?: string | undefined; kind?: TagKind | undefined } = {},
): Promise<Tag[]> {
  let query = db.selectFrom("audience_tags").select(TAG_COLUMNS).where("tenant_id", "=", tenantId);
  if (filter.group_id) query = query.where("group_id", "=", filter.group_id);
  if (filter.kind) query = query.where("kind", "=", filter.kind);
  return (await query.orderBy("group_id").orderBy("name").execute()).map(toTag);
}

export async function tagMemberCounts(
  db: Executor,
  tenantId: string,
  now: Date,
): Promise<Map<string, number>> {
  const rows = await sql<{ tag_id: string; members: number }>`
    SELECT tag_id, count(*)::int AS members FROM audience_member_tags
    WHERE tenant_id = ${tenantId} AND (expires_at IS NULL OR expires_at > ${now.toISOString()}::timestamptz)
    GROUP BY tag_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.tag_id, r.members]));
}

/**
 * Checks that every tag a condition names exists in this brand; each missing one is a problem at its pointer
 * (a tag of another brand is as unknown as one that never existed). `forbidKinds` refuses tags of those kinds.
 */
export async function assertTagsExist(
  db: Executor,
  tenantId: string,
  condition: Condition,
  forbidKinds: readonly TagKind[] = [],
): Promise<void> {
  const refs = tagReferences(condition);
  if (refs.size === 0) return;
  const found = await db
    .selectFrom("audience_tags")
    .select(["tag_id", "kind"])
    .where("tenant_id", "=", tenantId)
    .where("tag_id", "in", [...refs.keys()])
    .execute();
  const kinds = new Map(found.map((t) => [t.tag_id, t.kind]));
  const errors: FieldError[] = [];
  for (const [tagId, pointer] of refs) {
    const kind = kinds.get(tagId);
    if (kind === undefined)
      errors.push({ in: "body", field: pointer, message: `tag ${tagId} does not exist in this brand` });
    else if (forbidKinds.includes(kind))
      errors.push({
        in: "body",
        field: pointer,
        message: `a ${kind} tag cannot be used here: rule tags are computed together and may not depend on each other`,
      });
  }
  const first = errors[0];
  if (first) throw new Problem("validation-failed", `${first.field}: ${first.message}`, { errors });
}

type DefinitionInput = Pick<
  Static<typeof TagCreateBody>,
  "condition" | "stage" | "products" | "scene_keys" | "keywords"
>;
const DEFINITION_KEYS = ["condition", "stage", "products", "scene_keys", "keywords"] as const;
const NEEDS: Record<TagKind, readonly (typeof DEFINITION_KEYS)[number][]> = {
  manual: [],
  rule: ["condition"],
  product_lifecycle: ["stage", "products"],
  scene: ["scene_keys"],
  keyword: ["keywords"],
};

/** The definition a kind needs, from the request's fields: missing ones and ones of other kinds are 400s. */
async function definitionFor(
  db: Executor,
  tenantId: string,
  kind: TagKind,
  input: DefinitionInput,
  partial: boolean,
): Promise<TagDefinition> {
  for (const key of DEFINITION_KEYS) {
    if (input[key] !== undefined && !NEEDS[kind].includes(key))
      throw invalidField(`/${key}`, `a ${kind} tag has no ${key}`);
    if (!partial && input[key] === undefined && NEEDS[kind].includes(key))
      throw invalidField(`/${key}`, `a ${kind} tag needs ${key}`);
  }
  const definition: TagDefinition = {};
  if (input.condition !== undefined) {
    const condition = parseConditionOrThrow(input.condition, "/condition");
    await assertTagsExist(db, tenantId, condition, ["rule"]);
    definition.condition = input.condition;
  }
  if (input.stage !== undefined) definition.stage = input.stage;
  if (input.products !== undefined) {
    const skus = new Set<string>();
    input.products.forEach((p, i) => {
      if (skus.has(p.sku)) throw invalidField(`/products/${i}/sku`, `${p.sku} is listed twice`);
      skus.add(p.sku);
    });
    definition.products = input.products;
  }
  if (input.scene_keys !== undefined) definition.scene_keys = [...new Set(input.scene_keys)];
  if (input.keywords !== undefined) definition.keywords = [...new Set(input.keywords.map((k) => k.trim()))];
  return definition;
}

function checkProducts(definition: TagDefinition): void {
  if (definition.stage !== "used_up") return;
  definition.products?.forEach((p, i) => {
    if (p.cycle_days === undefined)
      throw invalidField(
        `/products/${i}/cycle_days`,
        `used_up needs how many days one unit lasts (1–${MAX_CYCLE_DAYS})`,
      );
  });
}

async function assertBrandLimits(db: Executor, tenantId: string, kind: TagKind): Promise<void> {
  const counts = await sql<{ total: number; keyword: number }>`
    SELECT count(*)::int AS total, count(*) FILTER (WHERE kind = 'keyword')::int AS keyword
    FROM audience_tags WHERE tenant_id = ${tenantId}`.execute(db);
  const row = counts.rows[0] ?? { total: 0, keyword: 0 };
  if (row.total >= MAX_TAGS_PER_BRAND)
    throw new Problem("business-rule", `a brand may have at most ${MAX_TAGS_PER_BRAND} tags`);
  if (kind === "keyword" && row.keyword >= MAX_KEYWORD_TAGS_PER_BRAND) {
    throw new Problem("business-rule", `a brand may have at most ${MAX_KEYWORD_TAGS_PER_BRAND} keyword tags`);
  }
}

export async function createTag(
  tx: Executor,
  tenantId: string,
  input: Static<typeof TagCreateBody>,
  now: Date,
): Promise<Tag> {
  const group = await tx
    .selectFrom("audience_tag_groups")
    .select("group_id")
    .where("tenant_id", "=", tenantId)
    .where("group_id", "=", input.group_id)
    .executeTakeFirst();
  if (!group) throw invalidField("/group_id", `tag group ${input.group_id} does not exist in this brand`);
  const kind = input.kind;
  await assertBrandLimits(tx, tenantId, kind);
  const definition = await definitionFor(tx, tenantId, kind, input, false);
  checkProducts(definition);
  await assertUnique(
    tx,
    sql`SELECT 1 FROM audience_tags WHERE tenant_id = ${tenantId} AND group_id = ${input.group_id} AND name = ${input.name}`,
    "/name",
    `the group already has a tag named ${input.name}`,
  );
  const row = await tx
    .insertInto("audience_tags")
    .values({
      tenant_id: tenantId,
      tag_id: audienceId("tag"),
      group_id: input.group_id,
      name: input.name,
      kind,
      definition: JSON.stringify(definition),
      expires_after_days: input.expires_after_days ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning(TAG_COLUMNS)
    .executeTakeFirstOrThrow();
  return toTag(row);
}

export async function updateTag(
  tx: Executor,
  tenantId: string,
  tagId: string,
  patch: Static<typeof TagPatchBody>,
  now: Date,
): Promise<Tag> {
  const current = await getTag(tx, tenantId, tagId);
  const changes = await definitionFor(tx, tenantId, current.kind, patch, true);
  const definition = { ...current.definition, ...changes };
  checkProducts(definition);
  if (patch.name !== undefined && patch.name !== current.name) {
    await assertUnique(
      tx,
      sql`SELECT 1 FROM audience_tags WHERE tenant_id = ${tenantId} AND group_id = ${current.group_id} AND name = ${patch.name}`,
      "/name",
      `the group already has a tag named ${patch.name}`,
    );
  }
  const row = await tx
    .updateTable("audience_tags")
    .set({
      definition: JSON.stringify(definition),
      updated_at: now,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.expires_after_days !== undefined ? { expires_after_days: patch.expires_after_days } : {}),
    })
    .where("tenant_id", "=", tenantId)
    .where("tag_id", "=", tagId)
    .returning(TAG_COLUMNS)
    .executeTakeFirstOrThrow();
  return toTag(row);
}

/** Deletes a tag and every member's hold of it; a tag still named by a segment or a rule tag is a 409. */
export async function deleteTag(tx: Executor, tenantId: string, tagId: string): Promise<void> {
  await getTag(tx, tenantId, tagId);
  const users = await sql<{ kind: string; id: string; name: string }>`
    SELECT 'segment' AS kind, segment_id AS id, name FROM audience_segments
    WHERE tenant_id = ${tenantId} AND strpos(condition::text, ${tagId}) > 0
    UNION ALL
    SELECT 'tag', tag_id, name FROM audience_tags
    WHERE tenant_id = ${tenantId} AND kind = 'rule' AND strpos(definition::text, ${tagId}) > 0
    LIMIT 5`.execute(tx);
  if (users.rows.length > 0) {
    throw new Problem(
      "conflict",
      `tag ${tagId} is used by ${users.rows.map((u) => `${u.kind} ${u.name} (${u.id})`).join(", ")}; change those first`,
    );
  }
  await tx
    .deleteFrom("audience_member_tags")
    .where("tenant_id", "=", tenantId)
    .where("tag_id", "=", tagId)
    .execute();
  await tx
    .deleteFrom("audience_tags")
    .where("tenant_id", "=", tenantId)
    .where("tag_id", "=", tagId)
    .execute();
}
