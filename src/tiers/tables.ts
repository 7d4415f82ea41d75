import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

export type TierKind = "free" | "paid";
export type PlanDuration = "month" | "season" | "year";
export type SubscriptionStatus = "trial" | "active" | "cancelled" | "expired";

/** jsonb read as an object, written as a JSON string; parsed with a schema at the boundary (see ladder.ts). */
type JsonObject = ColumnType<Record<string, unknown>, string | undefined, string>;

export interface TiersTable {
  tenant_id: string;
  tier_id: string;
  code: string;
  name: string;
  rank: number;
  kind: TierKind;
  qualification: JsonObject;
  benefits: JsonObject;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface TierPlansTable {
  tenant_id: string;
  plan_id: string;
  tier_id: string;
  code: string;
  name: string;
  price_minor: number;
  duration: PlanDuration;
  trial_days: Generated<number>;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
}

export interface TierSubscriptionsTable {
  tenant_id: string;
  subscription_id: string;
  member_id: string;
  plan_id: string;
  status: SubscriptionStatus;
  external_id: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface MemberTiersTable {
  tenant_id: string;
  member_id: string;
  /** Null: the lowest free tier (as for a member without a row). */
  free_tier_id: string | null;
  achieved_at: Timestamp;
  grace_until: Timestamp | null;
  evaluated_at: Timestamp;
  review_at: Timestamp | null;
}

export interface TierProgramsTable {
  tenant_id: string;
  settings: ColumnType<Record<string, unknown>, string, string>;
  updated_at: DefaultTimestamp;
}

export interface TierUpgradeGiftsTable {
  tenant_id: string;
  member_id: string;
  tier_id: string;
  granted_at: Timestamp;
}

/** One row per member and year whose birthday gift was given: the once-a-year guard. */
export interface TierBirthdayGiftsTable {
  tenant_id: string;
  member_id: string;
  year: number;
  tier_id: string;
  /** The brand-local day the birthday was kept, YYYY-MM-DD. */
  birthday_on: string;
  granted_at: Timestamp;
}

export interface TiersTables {
  tiers: TiersTable;
  tier_plans: TierPlansTable;
  tier_subscriptions: TierSubscriptionsTable;
  member_tiers: MemberTiersTable;
  tier_programs: TierProgramsTable;
  tier_upgrade_gifts: TierUpgradeGiftsTable;
  tier_birthday_gifts: TierBirthdayGiftsTable;
}
