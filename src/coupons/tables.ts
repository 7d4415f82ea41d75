import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

/** jsonb read as parsed JSON, written as a JSON string; parsed with a schema at the boundary (see templates.ts). */
type Json<T> = ColumnType<T, string | undefined, string>;

export type CouponStatus = "available" | "reserved" | "redeemed" | "revoked";
export type IssueSource =
  | "api"
  | "staff"
  | "claim"
  | "tier_upgrade"
  | "tier_birthday"
  | "join"
  | "points"
  | "bulk"
  | "campaign"
  | "engagement";
export type CheckoutStatus = "held" | "committed" | "released" | "cancelled" | "refunded";
export type RewardKind = "coupon" | "physical" | "voucher";
export type RedemptionStatus = "fulfilled" | "pending_fulfilment" | "shipped" | "delivered" | "cancelled";

export interface CouponSettingsTable {
  tenant_id: string;
  settings: Json<Record<string, unknown>>;
  updated_at: DefaultTimestamp;
}

export interface CouponTemplatesTable {
  tenant_id: string;
  template_id: string;
  code: string;
  name: string;
  description: string | null;
  benefit: Json<Record<string, unknown>>;
  conditions: Json<Record<string, unknown>>;
  validity: Json<Record<string, unknown>>;
  stacking_group: string;
  exclusive: Generated<boolean>;
  with_member_discount: Generated<boolean>;
  max_issued: number | null;
  issued_count: Generated<number>;
  budget_minor: number | null;
  discount_granted_minor: Generated<number>;
  per_member_limit: number | null;
  claimable: Generated<boolean>;
  staff_issuable: Generated<boolean>;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface CouponPacksTable {
  tenant_id: string;
  pack_id: string;
  code: string;
  name: string;
  items: Json<unknown[]>;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface CouponIssuesTable {
  tenant_id: string;
  issue_id: string;
  issue_key: string;
  source: IssueSource;
  template_id: string | null;
  pack_id: string | null;
  actor: string;
  members: number;
  issued: Generated<number>;
  skipped: Json<unknown[]>;
  skipped_count: Generated<number>;
  created_at: DefaultTimestamp;
}

export interface CouponsTable {
  tenant_id: string;
  coupon_id: string;
  code: string;
  template_id: string;
  member_id: string;
  issue_id: string;
  status: CouponStatus;
  valid_from: Timestamp;
  valid_until: Timestamp;
  order_id: string | null;
  discount_minor: number | null;
  redeemed_at: Timestamp | null;
  issued_at: Timestamp;
  updated_at: DefaultTimestamp;
}

export interface CouponMemberCountsTable {
  tenant_id: string;
  template_id: string;
  member_id: string;
  issued: number;
}

export interface CheckoutsTable {
  tenant_id: string;
  order_id: string;
  checkout_id: string;
  member_id: string;
  status: CheckoutStatus;
  request_hash: string;
  currency: string;
  coupon_ids: Json<string[]>;
  discount_minor: Generated<number>;
  total_due_minor: Generated<number>;
  points_used: Generated<number>;
  points_value_minor: Generated<number>;
  payable_minor: Generated<number>;
  refunded_minor: Generated<number>;
  points_restored: Generated<number>;
  refunds: Json<unknown[]>;
  pricing: Json<Record<string, unknown>>;
  hold_until: Timestamp | null;
  committed_at: Timestamp | null;
  ended_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface RewardsTable {
  tenant_id: string;
  reward_id: string;
  code: string;
  name: string;
  description: string | null;
  kind: RewardKind;
  coupon_template_id: string | null;
  price_points: number;
  price_cash_minor: Generated<number>;
  stock_left: number | null;
  per_member_limit: number | null;
  tiers: ColumnType<string[] | null, string | null | undefined, string | null>;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface RewardMemberCountsTable {
  tenant_id: string;
  reward_id: string;
  member_id: string;
  redeemed: number;
}

export interface RewardRedemptionsTable {
  tenant_id: string;
  redemption_id: string;
  reward_id: string;
  member_id: string;
  reference: string;
  points_spent: number;
  cash_minor: Generated<number>;
  cash_payment_reference: string | null;
  status: RedemptionStatus;
  coupon_id: string | null;
  voucher_code: string | null;
  shipping_address: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  tracking_no: string | null;
  carrier: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** Coupons and the points mall (one capability, per docs/architecture.md). */
export interface CouponsTables {
  coupon_settings: CouponSettingsTable;
  coupon_templates: CouponTemplatesTable;
  coupon_packs: CouponPacksTable;
  coupon_issues: CouponIssuesTable;
  coupons: CouponsTable;
  coupon_member_counts: CouponMemberCountsTable;
  checkouts: CheckoutsTable;
  rewards: RewardsTable;
  reward_member_counts: RewardMemberCountsTable;
  reward_redemptions: RewardRedemptionsTable;
}
