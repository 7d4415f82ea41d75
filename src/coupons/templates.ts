import { sql } from "kysely";
import { Value } from "typebox/value";
import type { Executor } from "../platform/db/database.ts";
import { businessRule, invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { defaultGroup } from "./offers.ts";
import {
  type Benefit,
  BenefitSchema,
  type Conditions,
  ConditionsSchema,
  type PackItem,
  PackItemSchema,
  type TemplateInput,
  type TemplatePatch,
  type Validity,
  ValiditySchema,
} from "./schemas.ts";
import { validityProblem } from "./validity.ts";

/** Coupon templates and packs: what a brand designs before anything is issued. */

export interface Template {
  template_id: string;
  code: string;
  name: string;
  description: string | null;
  benefit: Benefit;
  conditions: Conditions;
  validity: Validity;
  stacking: { group: string; exclusive: boolean; with_member_discount: boolean };
  max_issued: number | null;
  issued_count: number;
  budget_minor: number | null;
  discount_granted_minor: number;
  per_member_limit: number | null;
  claimable: boolean;
  staff_issuable: boolean;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export const TEMPLATE_COLUMNS = [
  "template_id",
  "code",
  "name",
  "description",
  "benefit",
  "conditions",
  "validity",
  "stacking_group",
  "exclusive",
  "with_member_discount",
  "max_issued",
  "issued_count",
  "budget_minor",
  "discount_granted_minor",
  "per_member_limit",
  "claimable",
  "staff_issuable",
  "active",
  "created_at",
  "updated_at",
] as const;

type TemplateRow = {
  benefit: Record<string, unknown>;
  conditions: Record<string, unknown>;
  validity: Record<string, unknown>;
  stacking_group: string;
  exclusive: boolean;
  with_member_discount: boolean;
} & Omit<Template, "benefit" | "conditions" | "validity" | "stacking">;

/**
 * What a template gives, where and for how long never changes after it is made (see updateTemplate), so each
 * template's JSON is parsed once per process rather than on every quote: parsing was most of a quote's CPU.
 */
const parsedTemplates = new Map<string, { benefit: Benefit; conditions: Conditions; validity: Validity }>();
const PARSED_TEMPLATES_MAX = 20_000;

function parseImmutable(row: TemplateRow): { benefit: Benefit; conditions: Conditions; validity: Validity } {
  const hit = parsedTemplates.get(row.template_id);
  if (hit) return hit;
  const parsed = {
    benefit: Value.Parse(BenefitSchema, row.benefit),
    conditions: Value.Parse(ConditionsSchema, row.conditions),
    validity: Value.Parse(ValiditySchema, row.validity),
  };
  if (parsedTemplates.size >= PARSED_TEMPLATES_MAX) {
    const oldest = parsedTemplates.keys().next();
    if (!oldest.done) parsedTemplates.delete(oldest.value);
  }
  parsedTemplates.set(row.template_id, parsed);
  return parsed;
}

/** Rows are parsed at the boundary: the rules only ever see well-formed benefits and conditions. */
export function toTemplate(row: TemplateRow): Template {
  const { stacking_group, exclusive, with_member_discount, ...rest } = row;
  return {
    ...rest,
    ...parseImmutable(row),
    stacking: { group: stacking_group, exclusive, with_member_discount },
  };
}

export async function createTemplate(
  tx: Executor,
  tenantId: string,
  input: TemplateInput,
  now: Date,
): Promise<Template> {
  const problem = validityProblem(input.validity);
  if (problem) throw invalidField("/validity", problem);
  const row = await tx
    .insertInto("coupon_templates")
    .values({
      tenant_id: tenantId,
      template_id: newId("couponTemplate"),
      code: input.code,
      name: input.name,
      description: input.description ?? null,
      benefit: JSON.stringify(input.benefit),
      conditions: JSON.stringify(input.conditions ?? {}),
      validity: JSON.stringify(input.validity),
      stacking_group: input.stacking?.group ?? defaultGroup(input.benefit.kind),
      exclusive: input.stacking?.exclusive ?? false,
      with_member_discount: input.stacking?.with_member_discount ?? true,
      max_issued: input.max_issued ?? null,
      budget_minor: input.budget_minor ?? null,
      per_member_limit: input.per_member_limit ?? null,
      claimable: input.claimable ?? false,
      staff_issuable: input.staff_issuable ?? false,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "code"]).doNothing())
    .returning(TEMPLATE_COLUMNS)
    .executeTakeFirst();
  if (!row) {
    throw new Problem("conflict", `a coupon template with code ${input.code} exists`, {
      errors: [{ in: "body", field: "/code", message: "is taken" }],
    });
  }
  return toTemplate(row);
}

export async function listTemplates(
  db: Executor,
  tenantId: string,
  options: { activeOnly?: boolean } = {},
): Promise<Template[]> {
  let query = db.selectFrom("coupon_templates").select(TEMPLATE_COLUMNS).where("tenant_id", "=", tenantId);
  if (options.activeOnly) query = query.where("active", "=", true);
  return (await query.orderBy("template_id").execute()).map(toTemplate);
}

export async function findTemplate(
  db: Executor,
  tenantId: string,
  key: { template_id: string } | { code: string },
): Promise<Template | undefined> {
  let query = db.selectFrom("coupon_templates").select(TEMPLATE_COLUMNS).where("tenant_id", "=", tenantId);
  query =
    "code" in key ? query.where("code", "=", key.code) : query.where("template_id", "=", key.template_id);
  const row = await query.executeTakeFirst();
  return row ? toTemplate(row) : undefined;
}

export async function getTemplate(
  db: Executor,
  tenantId: string,
  key: { template_id: string } | { code: string },
): Promise<Template> {
  const template = await findTemplate(db, tenantId, key);
  if (!template) throw notFound("coupon template", "code" in key ? key.code : key.template_id);
  return template;
}

export async function getTemplates(
  db: Executor,
  tenantId: string,
  templateIds: string[],
): Promise<Map<string, Template>> {
  if (templateIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("coupon_templates")
    .select(TEMPLATE_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("template_id", "in", [...new Set(templateIds)])
    .execute();
  return new Map(rows.map((r) => [r.template_id, toTemplate(r)]));
}

/**
 * Changes what may change after issue: names, issuing on or off, budgets and limits. A budget set afresh starts
 * from what was already issued or granted, so it can never be overrun by coupons issued before it existed.
 */
export async function updateTemplate(
  tx: Executor,
  tenantId: string,
  templateId: string,
  patch: TemplatePatch,
  now: Date,
): Promise<Template> {
  const current = await tx
    .selectFrom("coupon_templates")
    .select(TEMPLATE_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("template_id", "=", templateId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw notFound("coupon template", templateId);
  let issuedCount = current.issued_count;
  if (patch.max_issued !== undefined && patch.max_issued !== null && current.max_issued === null) {
    const row = await tx
      .selectFrom("coupons")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tenant_id", "=", tenantId)
      .where("template_id", "=", templateId)
      .executeTakeFirst();
    issuedCount = Number(row?.n ?? 0);
  }
  if (patch.max_issued !== undefined && patch.max_issued !== null && patch.max_issued < issuedCount) {
    throw businessRule(`${issuedCount} coupons were already issued`, "/max_issued");
  }
  let granted = current.discount_granted_minor;
  if (patch.budget_minor !== undefined && patch.budget_minor !== null && current.budget_minor === null) {
    const row = await sql<{
      granted: number;
    }>`SELECT COALESCE(SUM(discount_minor), 0)::bigint AS granted FROM coupons
      WHERE tenant_id = ${tenantId} AND template_id = ${templateId} AND status IN ('reserved', 'redeemed')`.execute(
      tx,
    );
    granted = Number(row.rows[0]?.granted ?? 0);
  }
  if (patch.budget_minor !== undefined && patch.budget_minor !== null && patch.budget_minor < granted) {
    throw businessRule(`${granted} was already granted in discounts`, "/budget_minor");
  }
  const row = await tx
    .updateTable("coupon_templates")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.max_issued !== undefined ? { max_issued: patch.max_issued, issued_count: issuedCount } : {}),
      ...(patch.budget_minor !== undefined
        ? { budget_minor: patch.budget_minor, discount_granted_minor: granted }
        : {}),
      ...(patch.per_member_limit !== undefined ? { per_member_limit: patch.per_member_limit } : {}),
      ...(patch.claimable !== undefined ? { claimable: patch.claimable } : {}),
      ...(patch.staff_issuable !== undefined ? { staff_issuable: patch.staff_issuable } : {}),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("template_id", "=", templateId)
    .returning(TEMPLATE_COLUMNS)
    .executeTakeFirstOrThrow();
  return toTemplate(row);
}

export interface TemplateStats {
  issued: number;
  available: number;
  reserved: number;
  redeemed: number;
  revoked: number;
}

export async function templateStats(
  db: Executor,
  tenantId: string,
  templateId: string,
): Promise<TemplateStats> {
  const rows = await db
    .selectFrom("coupons")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("tenant_id", "=", tenantId)
    .where("template_id", "=", templateId)
    .groupBy("status")
    .execute();
  const of = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return {
    issued: rows.reduce((sum, r) => sum + Number(r.n), 0),
    available: of("available"),
    reserved: of("reserved"),
    redeemed: of("redeemed"),
    revoked: of("revoked"),
  };
}

// ——— packs ———

export interface Pack {
  pack_id: string;
  code: string;
  name: string;
  items: PackItem[];
  active: boolean;
  created_at: Date;
}

const PACK_COLUMNS = ["pack_id", "code", "name", "items", "active", "created_at"] as const;
const toPack = (row: Omit<Pack, "items"> & { items: unknown[] }): Pack => ({
  ...row,
  items: row.items.map((i) => Value.Parse(PackItemSchema, i)),
});

export async function createPack(
  tx: Executor,
  tenantId: string,
  input: { code: string; name: string; items: PackItem[] },
  now: Date,
): Promise<Pack> {
  const templates = await getTemplates(
    tx,
    tenantId,
    input.items.map((i) => i.template_id),
  );
  const errors = input.items.flatMap((item, i) =>
    templates.has(item.template_id)
      ? []
      : [{ in: "body", field: `/items/${i}/template_id`, message: "no such coupon template in this brand" }],
  );
  if (errors.length > 0) throw new Problem("validation-failed", errors[0]?.message, { errors });
  const row = await tx
    .insertInto("coupon_packs")
    .values({
      tenant_id: tenantId,
      pack_id: newId("couponPack"),
      code: input.code,
      name: input.name,
      items: JSON.stringify(input.items),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "code"]).doNothing())
    .returning(PACK_COLUMNS)
    .executeTakeFirst();
  if (!row)
    throw new Problem("conflict", `a coupon pack with code ${input.code} exists`, {
      errors: [{ in: "body", field: "/code", message: "is taken" }],
    });
  return toPack(row);
}

export async function listPacks(db: Executor, tenantId: string): Promise<Pack[]> {
  return (
    await db
      .selectFrom("coupon_packs")
      .select(PACK_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .orderBy("pack_id")
      .execute()
  ).map(toPack);
}

export async function findPack(
  db: Executor,
  tenantId: string,
  key: { pack_id: string } | { code: string },
): Promise<Pack | undefined> {
  let query = db.selectFrom("coupon_packs").select(PACK_COLUMNS).where("tenant_id", "=", tenantId);
  query = "code" in key ? query.where("code", "=", key.code) : query.where("pack_id", "=", key.pack_id);
  const row = await query.executeTakeFirst();
  return row ? toPack(row) : undefined;
}

export async function updatePack(
  tx: Executor,
  tenantId: string,
  packId: string,
  patch: { name?: string | undefined; active?: boolean | undefined },
  now: Date,
): Promise<Pack> {
  const row = await tx
    .updateTable("coupon_packs")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("pack_id", "=", packId)
    .returning(PACK_COLUMNS)
    .executeTakeFirst();
  if (!row) throw notFound("coupon pack", packId);
  return toPack(row);
}
