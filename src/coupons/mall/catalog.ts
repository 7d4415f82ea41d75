import type { Executor } from "../../platform/db/database.ts";
import { invalidField, notFound, Problem } from "../../platform/http/problems.ts";
import { newId } from "../../platform/ids.ts";
import type { RewardKind } from "../tables.ts";
import { findTemplate } from "../templates.ts";
import type { RewardInput, RewardPatch } from "./schemas.ts";

/** The points mall's catalog: rewards priced in points (or points + cash), with stock, limits and tier-only items. */

export interface Reward {
  reward_id: string;
  code: string;
  name: string;
  description: string | null;
  kind: RewardKind;
  coupon_template_id: string | null;
  price_points: number;
  price_cash_minor: number;
  stock_left: number | null;
  per_member_limit: number | null;
  tiers: string[] | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export const REWARD_COLUMNS = [
  "reward_id",
  "code",
  "name",
  "description",
  "kind",
  "coupon_template_id",
  "price_points",
  "price_cash_minor",
  "stock_left",
  "per_member_limit",
  "tiers",
  "active",
  "created_at",
  "updated_at",
] as const;

export async function createReward(
  tx: Executor,
  tenantId: string,
  input: RewardInput,
  now: Date,
): Promise<Reward> {
  let templateId: string | null = null;
  if (input.kind === "coupon") {
    if (!input.coupon_template_code)
      throw invalidField("/coupon_template_code", "a coupon reward names its coupon template");
    const template = await findTemplate(tx, tenantId, { code: input.coupon_template_code });
    if (!template)
      throw invalidField("/coupon_template_code", `no coupon template ${input.coupon_template_code}`);
    templateId = template.template_id;
  } else if (input.coupon_template_code !== undefined) {
    throw invalidField("/coupon_template_code", "only coupon rewards name a coupon template");
  }
  const row = await tx
    .insertInto("rewards")
    .values({
      tenant_id: tenantId,
      reward_id: newId("reward"),
      code: input.code,
      name: input.name,
      description: input.description ?? null,
      kind: input.kind,
      coupon_template_id: templateId,
      price_points: input.price_points,
      price_cash_minor: input.price_cash_minor ?? 0,
      stock_left: input.stock ?? null,
      per_member_limit: input.per_member_limit ?? null,
      tiers: input.tiers ? JSON.stringify(input.tiers) : null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "code"]).doNothing())
    .returning(REWARD_COLUMNS)
    .executeTakeFirst();
  if (!row)
    throw new Problem("conflict", `a reward with code ${input.code} exists`, {
      errors: [{ in: "body", field: "/code", message: "is taken" }],
    });
  return row;
}

export async function listRewards(
  db: Executor,
  tenantId: string,
  options: { activeOnly?: boolean } = {},
): Promise<Reward[]> {
  let query = db.selectFrom("rewards").select(REWARD_COLUMNS).where("tenant_id", "=", tenantId);
  if (options.activeOnly) query = query.where("active", "=", true);
  return query.orderBy("reward_id").execute();
}

export async function findReward(
  db: Executor,
  tenantId: string,
  key: { reward_id: string } | { code: string },
): Promise<Reward | undefined> {
  let query = db.selectFrom("rewards").select(REWARD_COLUMNS).where("tenant_id", "=", tenantId);
  query = "code" in key ? query.where("code", "=", key.code) : query.where("reward_id", "=", key.reward_id);
  return query.executeTakeFirst();
}

/** Stock moves by a delta in one statement, so a restock never overwrites redemptions happening meanwhile. */
export async function updateReward(
  tx: Executor,
  tenantId: string,
  rewardId: string,
  patch: RewardPatch,
  now: Date,
): Promise<Reward> {
  if (patch.add_stock !== undefined && patch.unlimited_stock === true)
    throw invalidField("/add_stock", "either add stock or make it unlimited");
  const current = await findReward(tx, tenantId, { reward_id: rewardId });
  if (!current) throw notFound("reward", rewardId);
  if (patch.add_stock !== undefined && current.stock_left === null && patch.add_stock < 0)
    throw invalidField("/add_stock", "the reward has no stock limit to lower");
  const row = await tx
    .updateTable("rewards")
    .set((eb) => ({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.price_points !== undefined ? { price_points: patch.price_points } : {}),
      ...(patch.price_cash_minor !== undefined ? { price_cash_minor: patch.price_cash_minor } : {}),
      ...(patch.per_member_limit !== undefined ? { per_member_limit: patch.per_member_limit } : {}),
      ...(patch.tiers !== undefined ? { tiers: patch.tiers ? JSON.stringify(patch.tiers) : null } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.unlimited_stock === true ? { stock_left: null } : {}),
      ...(patch.add_stock !== undefined
        ? { stock_left: eb(eb.fn.coalesce("stock_left", eb.val(0)), "+", patch.add_stock) }
        : {}),
      updated_at: now,
    }))
    .where("tenant_id", "=", tenantId)
    .where("reward_id", "=", rewardId)
    .where((eb) =>
      patch.add_stock !== undefined && patch.add_stock < 0
        ? eb("stock_left", ">=", -patch.add_stock)
        : eb.val(true),
    )
    .returning(REWARD_COLUMNS)
    .executeTakeFirst();
  if (!row) throw invalidField("/add_stock", "stock cannot go below zero");
  return row;
}
