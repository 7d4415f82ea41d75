import type { Db, Executor } from "../../platform/db/database.ts";
import { sql } from "kysely";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { getTenant, listTenants } from "../../tenants/service.ts";
import { purchaseSummaries, purchaseSummaryGroups } from "../facts.ts";
import { audienceId } from "../ids.ts";
import { expectedPurchases, fitBgNbd, probabilityAlive } from "./bgnbd.ts";
import { expectedOrderValue, fitGammaGamma } from "./gamma-gamma.ts";

/**
 * A brand's predicted lifetime value: fit BG/NBD (purchase frequency, P(alive)) and Gamma-Gamma (spend per
 * purchase) on its members' purchase histories up to now, then predict every purchaser a page at a time. Time is
 * in weeks inside the models; a member's purchases on one of the brand's days are one transaction. Members
 * without a purchase get no prediction (the models start at the first purchase).
 */

export const MIN_CUSTOMERS = 50;
export const MIN_REPEATERS = 10;
/** Distinct (x, m̄) combinations used to fit Gamma-Gamma; the most common first beyond that. */
export const MAX_SPEND_ROWS = 200_000;
const PAGE_SIZE = 5_000;
const MODELS_KEPT = 5;
const WEEK_DAYS = 7;

const Fitted = { log_likelihood: Type.Number(), customers: Type.Number() };
const BgNbdStored = Type.Object({
  r: Type.Number(),
  alpha: Type.Number(),
  a: Type.Number(),
  b: Type.Number(),
  ...Fitted,
});
const GammaGammaStored = Type.Object({ p: Type.Number(), q: Type.Number(), gamma: Type.Number(), ...Fitted });

export interface LtvModel {
  model_id: string;
  fitted_at: Date;
  bgnbd: Static<typeof BgNbdStored>;
  gamma_gamma: Static<typeof GammaGammaStored> | null;
}

export type LtvFitReport =
  | { tenant_id: string; fitted: true; model: LtvModel; predicted_members: number; duration_ms: number }
  | { tenant_id: string; fitted: false; reason: string };

/** Large scans and aggregates: more memory per operation, and no JIT (it compiles anew for every statement). */
async function tuneForScans(tx: Executor): Promise<void> {
  await sql`SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true)`.execute(tx);
}

export async function fitLtv(db: Db, tenantId: string, now: Date): Promise<LtvFitReport> {
  const started = performance.now();
  const tenant = await getTenant(db, tenantId);
  const groups = await db.transaction().execute(async (tx) => {
    await tuneForScans(tx);
    return purchaseSummaryGroups(tx, tenantId, tenant.time_zone, now, MAX_SPEND_ROWS);
  });
  const customers = groups.recencyFrequency.reduce((sum, g) => sum + g.customers, 0);
  const repeaters = groups.recencyFrequency.filter((g) => g.x > 0).reduce((sum, g) => sum + g.customers, 0);
  if (customers < MIN_CUSTOMERS || repeaters < MIN_REPEATERS) {
    return {
      tenant_id: tenantId,
      fitted: false,
      reason: `needs ${MIN_CUSTOMERS} purchasers and ${MIN_REPEATERS} repeat purchasers; has ${customers} and ${repeaters}`,
    };
  }
  const bg = fitBgNbd(
    groups.recencyFrequency.map((g) => ({
      x: g.x,
      t_x: g.t_x_days / WEEK_DAYS,
      T: g.t_days / WEEK_DAYS,
      weight: g.customers,
    })),
  );
  const gg =
    groups.spend.length >= MIN_REPEATERS
      ? fitGammaGamma(groups.spend.map((g) => ({ x: g.x, mean_value: g.mean_value, weight: g.customers })))
      : undefined;
  const model: LtvModel = {
    model_id: audienceId("ltvModel"),
    fitted_at: now,
    bgnbd: { ...bg.params, log_likelihood: bg.log_likelihood, customers: bg.customers },
    // Without q > 1 the population's mean spend is infinite: no spend predictions from such a fit.
    gamma_gamma:
      gg && gg.params.q > 1
        ? { ...gg.params, log_likelihood: gg.log_likelihood, customers: gg.customers }
        : null,
  };
  const predicted = await db.transaction().execute(async (tx) => {
    await tuneForScans(tx);
    await tx
      .insertInto("audience_ltv_models")
      .values({
        tenant_id: tenantId,
        model_id: model.model_id,
        fitted_at: now,
        calibration_end: now,
        bgnbd: JSON.stringify(model.bgnbd),
        gamma_gamma: model.gamma_gamma ? JSON.stringify(model.gamma_gamma) : null,
      })
      .execute();
    const old = await tx
      .selectFrom("audience_ltv_models")
      .select("model_id")
      .where("tenant_id", "=", tenantId)
      .orderBy("fitted_at", "desc")
      .offset(MODELS_KEPT)
      .limit(1_000)
      .execute();
    if (old.length > 0)
      await tx
        .deleteFrom("audience_ltv_models")
        .where("tenant_id", "=", tenantId)
        .where(
          "model_id",
          "in",
          old.map((m) => m.model_id),
        )
        .execute();
    return predictAll(tx, tenantId, tenant.time_zone, model, now);
  });
  return {
    tenant_id: tenantId,
    fitted: true,
    model,
    predicted_members: predicted,
    duration_ms: Math.round(performance.now() - started),
  };
}

async function predictAll(
  tx: Executor,
  tenantId: string,
  timeZone: string,
  model: LtvModel,
  now: Date,
): Promise<number> {
  let after = "";
  let total = 0;
  for (;;) {
    const page = await tx
      .selectFrom("audience_member_facts")
      .select("member_id")
      .where("tenant_id", "=", tenantId)
      .where("orders_count", ">", 0)
      .where("member_id", ">", after)
      .orderBy("member_id")
      .limit(PAGE_SIZE)
      .execute();
    if (page.length === 0) break;
    const ids = page.map((p) => p.member_id);
    // The page as an id range: the orders index serves it directly, where a list of 5,000 ids invites a full scan.
    const summaries = await purchaseSummaries(tx, tenantId, timeZone, now, {
      after,
      through: ids[ids.length - 1] ?? after,
    });
    const rows = summaries.map((s) => ({ member_id: s.member_id, ...predictMember(model, s) }));
    await tx
      .deleteFrom("audience_member_ltv")
      .where("tenant_id", "=", tenantId)
      .where("member_id", "in", ids)
      .execute();
    // One statement per page, one array parameter per column (as platform/db/bulk.ts does, with float8 columns).
    await sql`
      INSERT INTO audience_member_ltv (tenant_id, member_id, model_id, repeat_purchases, p_alive, expected_purchases_90d,
        expected_purchases_365d, expected_order_value_minor, predicted_value_365d_minor, computed_at)
      SELECT ${tenantId}, u.member_id, ${model.model_id}, u.x, u.p_alive, u.e90, u.e365, u.order_value, u.value_365, ${now.toISOString()}::timestamptz
      FROM unnest(${rows.map((r) => r.member_id)}::text[], ${rows.map((r) => r.repeat_purchases)}::int[],
        ${rows.map((r) => r.p_alive)}::float8[], ${rows.map((r) => r.expected_purchases_90d)}::float8[],
        ${rows.map((r) => r.expected_purchases_365d)}::float8[], ${rows.map((r) => r.expected_order_value_minor)}::float8[],
        ${rows.map((r) => r.predicted_value_365d_minor)}::float8[]) AS u(member_id, x, p_alive, e90, e365, order_value, value_365)`.execute(
      tx,
    );
    total += rows.length;
    after = ids[ids.length - 1] ?? after;
    if (page.length < PAGE_SIZE) break;
  }
  // Members who no longer have purchases (all refunded) lose their prediction.
  await tx
    .deleteFrom("audience_member_ltv")
    .where("tenant_id", "=", tenantId)
    .where("computed_at", "<", now)
    .execute();
  return total;
}

export function predictMember(
  model: LtvModel,
  s: { x: number; t_x_days: number; t_days: number; mean_value: number | null },
) {
  const customer = { x: s.x, t_x: s.t_x_days / WEEK_DAYS, T: s.t_days / WEEK_DAYS };
  const in365 = expectedPurchases(model.bgnbd, 365 / WEEK_DAYS, customer);
  const orderValue = model.gamma_gamma
    ? expectedOrderValue(model.gamma_gamma, s.x, s.mean_value ?? 0)
    : undefined;
  return {
    repeat_purchases: s.x,
    p_alive: probabilityAlive(model.bgnbd, customer),
    expected_purchases_90d: expectedPurchases(model.bgnbd, 90 / WEEK_DAYS, customer),
    expected_purchases_365d: in365,
    expected_order_value_minor: orderValue ?? null,
    predicted_value_365d_minor: orderValue === undefined ? null : in365 * orderValue,
  };
}

export async function latestModel(db: Executor, tenantId: string): Promise<LtvModel | undefined> {
  const row = await db
    .selectFrom("audience_ltv_models")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("fitted_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    model_id: row.model_id,
    fitted_at: row.fitted_at,
    bgnbd: Value.Parse(BgNbdStored, row.bgnbd),
    gamma_gamma: row.gamma_gamma === null ? null : Value.Parse(GammaGammaStored, row.gamma_gamma),
  };
}

export async function fitLtvAllTenants(db: Db, now: () => Date): Promise<LtvFitReport[]> {
  const reports: LtvFitReport[] = [];
  for (const tenant of await listTenants(db)) reports.push(await fitLtv(db, tenant.tenant_id, now()));
  return reports;
}
