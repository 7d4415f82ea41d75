import { Value } from "typebox/value";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import type { Executor } from "../platform/db/database.ts";
import { type CouponSettings, CouponSettingsSchema } from "./schemas.ts";

/** A brand's coupon and checkout settings; defaults until the brand changes them. */
export const DEFAULT_COUPON_SETTINGS: CouponSettings = {
  newcomer_pack: null,
  hold_minutes: 15,
  // "1 yuan = 100 points", paying at most half of an order: the seeds' rate and a common cap.
  points_payment: { enabled: true, points_per_unit: 100, unit_minor: 100, max_percent: 50 },
  cancel_restores_coupons: true,
  cancel_restores_points: true,
};

const cache = new TtlCache<CouponSettings>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

/** Cached briefly: every quote reads them. */
export async function getCouponSettings(db: Executor, tenantId: string): Promise<CouponSettings> {
  return cache.get(tenantId, () => loadSettings(db, tenantId));
}

async function loadSettings(db: Executor, tenantId: string): Promise<CouponSettings> {
  const row = await db
    .selectFrom("coupon_settings")
    .select("settings")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  // Settings written by an older version may lack newer fields: defaults fill them.
  return Value.Parse(CouponSettingsSchema, { ...DEFAULT_COUPON_SETTINGS, ...row?.settings });
}

export async function updateCouponSettings(
  tx: Executor,
  tenantId: string,
  patch: Partial<CouponSettings>,
  now: Date,
): Promise<CouponSettings> {
  const settings = Value.Parse(CouponSettingsSchema, { ...(await loadSettings(tx, tenantId)), ...patch });
  cache.delete(tenantId);
  await tx
    .insertInto("coupon_settings")
    .values({ tenant_id: tenantId, settings: JSON.stringify(settings), updated_at: now })
    .onConflict((oc) =>
      oc.column("tenant_id").doUpdateSet({ settings: JSON.stringify(settings), updated_at: now }),
    )
    .execute();
  return settings;
}
