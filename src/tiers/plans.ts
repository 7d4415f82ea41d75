import type { Executor } from "../platform/db/database.ts";
import { businessRule, invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import type { PlanDuration } from "./tables.ts";

/** Paid membership plans: a paid tier sold by the month, season or year, with an optional free trial. */

export interface Plan {
  plan_id: string;
  tier_id: string;
  code: string;
  name: string;
  price_minor: number;
  duration: PlanDuration;
  trial_days: number;
  active: boolean;
  created_at: Date;
}

const PLAN_COLUMNS = [
  "plan_id",
  "tier_id",
  "code",
  "name",
  "price_minor",
  "duration",
  "trial_days",
  "active",
  "created_at",
] as const;

export async function listPlans(db: Executor, tenantId: string): Promise<Plan[]> {
  return db
    .selectFrom("tier_plans")
    .select(PLAN_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .orderBy("code")
    .execute();
}

export async function findPlan(db: Executor, tenantId: string, planId: string): Promise<Plan | undefined> {
  return db
    .selectFrom("tier_plans")
    .select(PLAN_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("plan_id", "=", planId)
    .executeTakeFirst();
}

export interface PlanInput {
  tier_id: string;
  code: string;
  name: string;
  price_minor: number;
  duration: PlanDuration;
  trial_days?: number | undefined;
  active?: boolean | undefined;
}

export async function createPlan(tx: Executor, tenantId: string, input: PlanInput, now: Date): Promise<Plan> {
  const tier = await tx
    .selectFrom("tiers")
    .select(["kind", "code"])
    .where("tenant_id", "=", tenantId)
    .where("tier_id", "=", input.tier_id)
    .executeTakeFirst();
  if (!tier) throw invalidField("/tier_id", `${input.tier_id} is not a tier of this brand`);
  if (tier.kind !== "paid")
    throw businessRule(`${tier.code} is a free tier; plans sell paid tiers`, "/tier_id");
  const inserted = await tx
    .insertInto("tier_plans")
    .values({
      tenant_id: tenantId,
      plan_id: newId("plan"),
      tier_id: input.tier_id,
      code: input.code,
      name: input.name,
      price_minor: input.price_minor,
      duration: input.duration,
      trial_days: input.trial_days ?? 0,
      active: input.active ?? true,
      created_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(PLAN_COLUMNS)
    .executeTakeFirst();
  if (!inserted) {
    throw new Problem("conflict", `plan code ${input.code} is already used`, {
      errors: [{ in: "body", field: "/code", message: "already used by another plan" }],
    });
  }
  return inserted;
}

export interface PlanPatch {
  name?: string | undefined;
  price_minor?: number | undefined;
  trial_days?: number | undefined;
  active?: boolean | undefined;
}

/** A new price applies to subscriptions recorded from now on; recorded ones keep what was paid. */
export async function updatePlan(
  tx: Executor,
  tenantId: string,
  planId: string,
  patch: PlanPatch,
): Promise<Plan> {
  const changes = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.price_minor !== undefined ? { price_minor: patch.price_minor } : {}),
    ...(patch.trial_days !== undefined ? { trial_days: patch.trial_days } : {}),
    ...(patch.active !== undefined ? { active: patch.active } : {}),
  };
  const row =
    Object.keys(changes).length === 0
      ? await findPlan(tx, tenantId, planId)
      : await tx
          .updateTable("tier_plans")
          .set(changes)
          .where("tenant_id", "=", tenantId)
          .where("plan_id", "=", planId)
          .returning(PLAN_COLUMNS)
          .executeTakeFirst();
  if (!row) throw notFound("plan", planId);
  return row;
}
