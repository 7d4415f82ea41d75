import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import type { Executor } from "../platform/db/database.ts";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import { notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import type { EarnRule, EarnRuleDefinition } from "./earn-rules.ts";

const Condition = Type.Object(
  {
    channels: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 50 })),
    stores: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500 })),
    categories: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 })),
    skus: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 })),
    tiers: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 })),
    weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { maxItems: 7 })),
    days_of_month: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 31 }), { maxItems: 31 })),
    min_paid_minor: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** The schema of an earn rule's definition; it validates API input and documents the rule language. */
export const EarnRuleDefinitionSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal("base"),
      points_per_unit: Type.Number({ minimum: 0, maximum: 10_000 }),
      growth_per_unit: Type.Number({ minimum: 0, maximum: 10_000 }),
      unit_minor: Type.Integer({ minimum: 1, maximum: 1_000_000, description: "100 = per yuan for CNY" }),
      priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
      when: Type.Optional(Condition),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal("multiplier"),
      factor: Type.Number({ minimum: 1, maximum: 100 }),
      when: Type.Optional(Condition),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal("bonus"),
      points: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
      growth: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
      first_purchase_only: Type.Optional(Type.Boolean()),
      when: Type.Optional(Condition),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal("cap"),
      max_points_per_order: Type.Optional(Type.Integer({ minimum: 0 })),
      max_points_per_day: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
]);

export const ExpiryPolicySchema = Type.Union([
  Type.Object({ kind: Type.Literal("never") }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal("rolling_days"), days: Type.Integer({ minimum: 1, maximum: 3650 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal("period_end"),
      period: Type.Union([Type.Literal("month"), Type.Literal("quarter"), Type.Literal("year")]),
      periods_after: Type.Integer({ minimum: 0, maximum: 20 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal("fixed_date"), date: Type.String({ format: "date" }) },
    { additionalProperties: false },
  ),
]);

export const ProgramSettingsSchema = Type.Object(
  {
    return_window_days: Type.Integer({
      minimum: 0,
      maximum: 90,
      description: "Points from an order stay pending this many days (returns), then become available",
    }),
    expiry: ExpiryPolicySchema,
    refund_policy: Type.Union([Type.Literal("negative_balance"), Type.Literal("clamp")], {
      description:
        "When a refund reverses points the member already spent: negative_balance leaves them owing (paid back from later points); clamp writes the rest off",
    }),
    unmatched_orders: Type.Union([Type.Literal("create_prospect"), Type.Literal("hold")], {
      description:
        "An order for an unknown phone: create a prospect member who earns, or hold it unmatched until they join",
    }),
    expiring_soon_days: Type.Integer({ minimum: 1, maximum: 365 }),
    earn_before_join: Type.Boolean({
      description: "Whether orders placed before the member joined earn points",
    }),
  },
  { additionalProperties: false },
);

export type ProgramSettings = Static<typeof ProgramSettingsSchema>;

export const DEFAULT_PROGRAM: ProgramSettings = {
  return_window_days: 7,
  // Points earned in a year expire at the end of the next year: common practice, and at most two years of liability.
  expiry: { kind: "period_end", period: "year", periods_after: 1 },
  refund_policy: "negative_balance",
  unmatched_orders: "create_prospect",
  expiring_soon_days: 30,
  earn_before_join: false,
};

export const DEFAULT_BASE_RULE: EarnRuleDefinition = {
  kind: "base",
  points_per_unit: 1,
  growth_per_unit: 1,
  unit_minor: 100,
};

const programs = new TtlCache<ProgramSettings>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });
const activeRules = new TtlCache<EarnRuleRow[]>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

/** The program's settings, cached briefly (read by every order). */
export async function getProgram(db: Executor, tenantId: string): Promise<ProgramSettings> {
  return programs.get(tenantId, () => loadProgram(db, tenantId));
}

async function loadProgram(db: Executor, tenantId: string): Promise<ProgramSettings> {
  const row = await db
    .selectFrom("points_programs")
    .select("settings")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  if (!row) return DEFAULT_PROGRAM;
  // Settings written by an older version may lack newer fields: defaults fill them.
  return Value.Parse(ProgramSettingsSchema, { ...DEFAULT_PROGRAM, ...row.settings });
}

export async function updateProgram(
  tx: Executor,
  tenantId: string,
  patch: Partial<ProgramSettings>,
  now: Date,
): Promise<ProgramSettings> {
  const settings = { ...(await loadProgram(tx, tenantId)), ...patch };
  programs.delete(tenantId);
  await tx
    .insertInto("points_programs")
    .values({ tenant_id: tenantId, settings: JSON.stringify(settings), updated_at: now })
    .onConflict((oc) =>
      oc.column("tenant_id").doUpdateSet({ settings: JSON.stringify(settings), updated_at: now }),
    )
    .execute();
  return settings;
}

/** A new brand's program: default settings and one base rule, 1 point and 1 growth per yuan paid. */
export async function setUpProgram(tx: Executor, tenantId: string, now: Date): Promise<void> {
  await updateProgram(tx, tenantId, {}, now);
  await createEarnRule(tx, tenantId, { name: "1 point per yuan", definition: DEFAULT_BASE_RULE }, now);
}

// ——— earn rules ———

export interface EarnRuleRow extends EarnRule {
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const RULE_COLUMNS = [
  "rule_id",
  "name",
  "definition",
  "active",
  "starts_at",
  "ends_at",
  "created_at",
  "updated_at",
] as const;

function toRule(row: { definition: Record<string, unknown> } & Omit<EarnRuleRow, "definition">): EarnRuleRow {
  return { ...row, definition: Value.Parse(EarnRuleDefinitionSchema, row.definition) };
}

/** The rules in force, cached briefly (read by every order). */
export async function activeEarnRules(db: Executor, tenantId: string): Promise<EarnRuleRow[]> {
  return activeRules.get(tenantId, () => listEarnRules(db, tenantId, { activeOnly: true }));
}

export async function listEarnRules(
  db: Executor,
  tenantId: string,
  options: { activeOnly?: boolean } = {},
): Promise<EarnRuleRow[]> {
  let query = db.selectFrom("earn_rules").select(RULE_COLUMNS).where("tenant_id", "=", tenantId);
  if (options.activeOnly) query = query.where("active", "=", true);
  return (await query.orderBy("rule_id").execute()).map(toRule);
}

export interface EarnRuleInput {
  name: string;
  definition: EarnRuleDefinition;
  active?: boolean;
  starts_at?: Date | null;
  ends_at?: Date | null;
}

function checkWindow(startsAt: Date | null | undefined, endsAt: Date | null | undefined) {
  if (startsAt && endsAt && endsAt <= startsAt) {
    throw new Problem("validation-failed", "ends_at must be after starts_at", {
      errors: [{ in: "body", field: "/ends_at", message: "must be after starts_at" }],
    });
  }
}

export async function createEarnRule(
  tx: Executor,
  tenantId: string,
  input: EarnRuleInput,
  now: Date,
): Promise<EarnRuleRow> {
  checkWindow(input.starts_at, input.ends_at);
  activeRules.delete(tenantId);
  const row = await tx
    .insertInto("earn_rules")
    .values({
      tenant_id: tenantId,
      rule_id: newId("rule"),
      name: input.name,
      definition: JSON.stringify(input.definition),
      active: input.active ?? true,
      starts_at: input.starts_at ?? null,
      ends_at: input.ends_at ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning(RULE_COLUMNS)
    .executeTakeFirstOrThrow();
  return toRule(row);
}

export async function updateEarnRule(
  tx: Executor,
  tenantId: string,
  ruleId: string,
  patch: Partial<EarnRuleInput>,
  now: Date,
): Promise<EarnRuleRow> {
  const current = await tx
    .selectFrom("earn_rules")
    .select(RULE_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("rule_id", "=", ruleId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw notFound("earn rule", ruleId);
  const startsAt = patch.starts_at !== undefined ? patch.starts_at : current.starts_at;
  const endsAt = patch.ends_at !== undefined ? patch.ends_at : current.ends_at;
  checkWindow(startsAt, endsAt);
  activeRules.delete(tenantId);
  const row = await tx
    .updateTable("earn_rules")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.definition !== undefined ? { definition: JSON.stringify(patch.definition) } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      starts_at: startsAt,
      ends_at: endsAt,
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("rule_id", "=", ruleId)
    .returning(RULE_COLUMNS)
    .executeTakeFirstOrThrow();
  return toRule(row);
}
