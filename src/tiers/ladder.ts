import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import { Value } from "typebox/value";
import type { Executor } from "../platform/db/database.ts";
import { businessRule, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { getTenant } from "../tenants/service.ts";
import { DEFAULT_TIER_PROGRAM, type LadderTier, ladderProblem } from "./rules.ts";
import {
  type Benefits,
  type BenefitsPatch,
  BenefitsSchema,
  type Qualification,
  QualificationSchema,
  type TierProgram,
  TierProgramSchema,
} from "./schemas.ts";
import type { TierKind } from "./tables.ts";

/** A brand's tier ladder: its tiers (free and paid, one rank order) and the ladder's settings. */

export interface Tier extends LadderTier {
  created_at: Date;
  updated_at: Date;
}

export const DEFAULT_BENEFITS: Benefits = {
  points_multiplier: 1,
  discount_percent: 0,
  member_price: false,
  free_shipping: false,
  birthday_gift: null,
  upgrade_gift: null,
};

const TIER_COLUMNS = [
  "tier_id",
  "code",
  "name",
  "rank",
  "kind",
  "qualification",
  "benefits",
  "created_at",
  "updated_at",
] as const;

type TierRow = Omit<Tier, "qualification" | "benefits"> & {
  qualification: Record<string, unknown>;
  benefits: Record<string, unknown>;
};

/** Rows written by an older version may lack newer benefits: defaults fill them. */
function toTier(row: TierRow): Tier {
  return {
    ...row,
    qualification: Value.Parse(QualificationSchema, row.qualification),
    benefits: Value.Parse(BenefitsSchema, { ...DEFAULT_BENEFITS, ...row.benefits }),
  };
}

/** Every tier of the brand, best last. */
export async function listTiers(db: Executor, tenantId: string): Promise<Tier[]> {
  const rows = await db
    .selectFrom("tiers")
    .select(TIER_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .orderBy("rank")
    .execute();
  return rows.map(toTier);
}

export async function getTier(db: Executor, tenantId: string, tierId: string): Promise<Tier> {
  const row = await db
    .selectFrom("tiers")
    .select(TIER_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("tier_id", "=", tierId)
    .executeTakeFirst();
  if (!row) throw notFound("tier", tierId);
  return toTier(row);
}

export async function getTierProgram(db: Executor, tenantId: string): Promise<TierProgram> {
  const row = await db
    .selectFrom("tier_programs")
    .select("settings")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return row
    ? Value.Parse(TierProgramSchema, { ...DEFAULT_TIER_PROGRAM, ...row.settings })
    : DEFAULT_TIER_PROGRAM;
}

/**
 * Serialises ladder edits of one brand on its tier_programs row: without it, two concurrent edits could each pass
 * validation against the old ladder and together break it (two tiers of one rank).
 */
async function lockLadder(tx: Executor, tenantId: string, now: Date): Promise<TierProgram> {
  ladders.delete(tenantId);
  await tx
    .insertInto("tier_programs")
    .values({ tenant_id: tenantId, settings: JSON.stringify(DEFAULT_TIER_PROGRAM), updated_at: now })
    .onConflict((oc) => oc.column("tenant_id").doNothing())
    .execute();
  const row = await tx
    .selectFrom("tier_programs")
    .select("settings")
    .where("tenant_id", "=", tenantId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return Value.Parse(TierProgramSchema, { ...DEFAULT_TIER_PROGRAM, ...row.settings });
}

export async function updateTierProgram(
  tx: Executor,
  tenantId: string,
  patch: Partial<TierProgram>,
  now: Date,
): Promise<TierProgram> {
  const settings = { ...(await lockLadder(tx, tenantId, now)), ...patch };
  await tx
    .updateTable("tier_programs")
    .set({ settings: JSON.stringify(settings), updated_at: now })
    .where("tenant_id", "=", tenantId)
    .execute();
  return settings;
}

/** Everything evaluation needs about the brand's ladder, read once per batch. */
export interface LadderContext {
  tenantId: string;
  tiers: Tier[];
  tiersById: Map<string, Tier>;
  program: TierProgram;
  timeZone: string;
}

const ladders = new TtlCache<LadderContext>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

/** The brand's ladder and its settings, cached briefly: every order reads it, edits are rare (and clear it). */
export async function loadLadder(db: Executor, tenantId: string): Promise<LadderContext> {
  return ladders.get(tenantId, () => readLadder(db, tenantId));
}

async function readLadder(db: Executor, tenantId: string): Promise<LadderContext> {
  const tiers = await listTiers(db, tenantId);
  const program = await getTierProgram(db, tenantId);
  const { time_zone } = await getTenant(db, tenantId);
  return {
    tenantId,
    tiers,
    tiersById: new Map(tiers.map((t) => [t.tier_id, t])),
    program,
    timeZone: time_zone,
  };
}

// ——— editing the ladder ———

export interface TierInput {
  code: string;
  name: string;
  rank: number;
  kind: TierKind;
  qualification?: Qualification | undefined;
  benefits?: BenefitsPatch | undefined;
}

export interface TierPatch {
  name?: string | undefined;
  rank?: number | undefined;
  qualification?: Qualification | undefined;
  benefits?: BenefitsPatch | undefined;
}

function checkFits(
  candidate: LadderTier,
  others: readonly LadderTier[],
  touched: { rank: boolean; qualification: boolean },
) {
  const problem = ladderProblem(candidate, others, touched);
  if (problem) throw businessRule(`${candidate.code}: ${problem.message}`, problem.field);
}

/** Strips `undefined` left by optional schema fields, so a patch never writes them over a stored benefit. */
function mergeBenefits(base: Benefits, patch: BenefitsPatch | undefined): Benefits {
  const defined = Object.fromEntries(Object.entries(patch ?? {}).filter(([, v]) => v !== undefined));
  return Value.Parse(BenefitsSchema, { ...base, ...defined });
}

export async function createTier(tx: Executor, tenantId: string, input: TierInput, now: Date): Promise<Tier> {
  await lockLadder(tx, tenantId, now);
  const others = await listTiers(tx, tenantId);
  const taken = others.find((t) => t.code === input.code);
  if (taken) {
    throw new Problem("conflict", `tier code ${input.code} is already used by ${taken.tier_id}`, {
      errors: [{ in: "body", field: "/code", message: "already used by another tier" }],
    });
  }
  const candidate: LadderTier = {
    tier_id: newId("tier"),
    code: input.code,
    name: input.name,
    rank: input.rank,
    kind: input.kind,
    qualification: input.qualification ?? {},
    benefits: mergeBenefits(DEFAULT_BENEFITS, input.benefits),
  };
  checkFits(candidate, others, { rank: true, qualification: true });
  const row = await tx
    .insertInto("tiers")
    .values({
      tenant_id: tenantId,
      ...candidate,
      qualification: JSON.stringify(candidate.qualification),
      benefits: JSON.stringify(candidate.benefits),
      created_at: now,
      updated_at: now,
    })
    .returning(TIER_COLUMNS)
    .executeTakeFirstOrThrow();
  return toTier(row);
}

/** Members are not moved by an edit: the next evaluation (an order, or the periodic review) applies it. */
export async function updateTier(
  tx: Executor,
  tenantId: string,
  tierId: string,
  patch: TierPatch,
  now: Date,
): Promise<Tier> {
  await lockLadder(tx, tenantId, now);
  const all = await listTiers(tx, tenantId);
  const current = all.find((t) => t.tier_id === tierId);
  if (!current) throw notFound("tier", tierId);
  const candidate: LadderTier = {
    ...current,
    name: patch.name ?? current.name,
    rank: patch.rank ?? current.rank,
    qualification: patch.qualification ?? current.qualification,
    benefits: mergeBenefits(current.benefits, patch.benefits),
  };
  checkFits(
    candidate,
    all.filter((t) => t.tier_id !== tierId),
    { rank: patch.rank !== undefined, qualification: patch.qualification !== undefined },
  );
  const row = await tx
    .updateTable("tiers")
    .set({
      name: candidate.name,
      rank: candidate.rank,
      qualification: JSON.stringify(candidate.qualification),
      benefits: JSON.stringify(candidate.benefits),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("tier_id", "=", tierId)
    .returning(TIER_COLUMNS)
    .executeTakeFirstOrThrow();
  return toTier(row);
}

/**
 * The seeds' ladder (Ordinary → VIP → Black Gold, growth in the calendar year, kept at the same threshold, a
 * month's grace). Leaves a brand that already has tiers alone, so it is safe to call twice.
 */
export async function setUpDefaultLadder(tx: Executor, tenantId: string, now: Date): Promise<void> {
  await lockLadder(tx, tenantId, now);
  if ((await listTiers(tx, tenantId)).length > 0) return;
  const birthday = { name: "Birthday treat" };
  const tiers: TierInput[] = [
    { code: "ORDINARY", name: "Ordinary", rank: 0, kind: "free" },
    {
      code: "VIP",
      name: "VIP",
      rank: 10,
      kind: "free",
      qualification: { reach: { growth: 1000 } },
      benefits: { member_price: true, birthday_gift: birthday },
    },
    {
      code: "BLACK_GOLD",
      name: "Black Gold",
      rank: 20,
      kind: "free",
      qualification: { reach: { growth: 5000 } },
      benefits: {
        points_multiplier: 2,
        discount_percent: 10,
        member_price: true,
        free_shipping: true,
        birthday_gift: birthday,
        upgrade_gift: { name: "Black Gold welcome pack" },
      },
    },
  ];
  for (const tier of tiers) await createTier(tx, tenantId, tier, now);
}
