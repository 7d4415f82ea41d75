import { Value } from "typebox/value";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import type { Executor } from "../platform/db/database.ts";
import { invalidField } from "../platform/http/problems.ts";
import { assertCouponCodes } from "./rewards.ts";
import { type EngagementSettings, EngagementSettingsSchema } from "./settings-schema.ts";

/**
 * A brand's engagement settings. The defaults are the seeds' common practice: a few points a day, rewards on the
 * 3rd, 7th and 30th consecutive day, make-up for points within a week; referrals rewarded on both sides.
 */
export const DEFAULT_ENGAGEMENT_SETTINGS: EngagementSettings = {
  checkin: {
    enabled: true,
    daily_points: 5,
    streak_rewards: [
      { days: 3, points: 10, coupon: null },
      { days: 7, points: 30, coupon: null },
      { days: 30, points: 100, coupon: null },
    ],
    makeup: { enabled: true, cost_points: 20, max_days_back: 7, max_per_month: 3 },
  },
  referral: {
    enabled: true,
    bind_window_days: 7,
    on_join: { inviter: { points: 50, coupon: null }, invitee: { points: 50, coupon: null } },
    on_first_order: {
      inviter: { points: 200, coupon: null },
      invitee: { points: 0, coupon: null },
      min_paid_minor: 0,
      when: "completed",
    },
    max_rewarded_per_inviter_per_month: 20,
  },
  member_day: { enabled: false, day_of_month: 8, points_multiplier: 2, coupons: [], earn_rule_id: null },
};

const cache = new TtlCache<EngagementSettings>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

export async function getEngagementSettings(db: Executor, tenantId: string): Promise<EngagementSettings> {
  return cache.get(tenantId, () => loadSettings(db, tenantId));
}

async function loadSettings(db: Executor, tenantId: string): Promise<EngagementSettings> {
  const row = await db
    .selectFrom("engagement_settings")
    .select("settings")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  const stored = row?.settings ?? {};
  // Each section is replaced whole when changed, so a stored section is complete; missing sections take defaults.
  return Value.Parse(EngagementSettingsSchema, { ...DEFAULT_ENGAGEMENT_SETTINGS, ...stored });
}

/** Replaces the given sections (each whole) and returns the result. Locks the row: changes are serial. */
export async function updateEngagementSettings(
  tx: Executor,
  tenantId: string,
  patch: Partial<EngagementSettings>,
  now: Date,
): Promise<EngagementSettings> {
  await checkPatch(tx, tenantId, patch);
  await tx
    .insertInto("engagement_settings")
    .values({ tenant_id: tenantId, settings: "{}", updated_at: now })
    .onConflict((oc) => oc.column("tenant_id").doNothing())
    .execute();
  await tx
    .selectFrom("engagement_settings")
    .select("tenant_id")
    .where("tenant_id", "=", tenantId)
    .forUpdate()
    .execute();
  const settings = Value.Parse(EngagementSettingsSchema, { ...(await loadSettings(tx, tenantId)), ...patch });
  cache.delete(tenantId);
  await tx
    .updateTable("engagement_settings")
    .set({ settings: JSON.stringify(settings), updated_at: now })
    .where("tenant_id", "=", tenantId)
    .execute();
  return settings;
}

async function checkPatch(tx: Executor, tenantId: string, patch: Partial<EngagementSettings>): Promise<void> {
  const codes: { field: string; code: string | null }[] = [];
  if (patch.checkin) {
    const seen = new Set<number>();
    for (const [i, reward] of patch.checkin.streak_rewards.entries()) {
      if (seen.has(reward.days))
        throw invalidField(
          `/checkin/streak_rewards/${i}/days`,
          `two rewards for a ${reward.days}-day streak`,
        );
      seen.add(reward.days);
      codes.push({ field: `/checkin/streak_rewards/${i}/coupon`, code: reward.coupon });
    }
  }
  if (patch.referral) {
    const { on_join, on_first_order } = patch.referral;
    for (const [trigger, rewards] of [
      ["on_join", on_join],
      ["on_first_order", on_first_order],
    ] as const) {
      codes.push({ field: `/referral/${trigger}/inviter/coupon`, code: rewards.inviter.coupon });
      codes.push({ field: `/referral/${trigger}/invitee/coupon`, code: rewards.invitee.coupon });
    }
  }
  await assertCouponCodes(tx, tenantId, codes);
}
