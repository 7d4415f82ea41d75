import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

/** jsonb read as parsed JSON, written as a JSON string; parsed with a schema at the boundary. */
type Json<T> = ColumnType<T, string | undefined, string>;

export type CheckinKind = "regular" | "makeup";
export type TaskPeriod = "once" | "daily" | "weekly";
export type ReferralStatus = "active" | "rejected";
/** A reward that fell due: paid, or withheld because the inviter's limit was reached. */
export type ReferralReward = "paid" | "capped";
export type TrialApplicationStatus = "applied" | "approved" | "rejected" | "shipped" | "reviewed";

export interface EngagementSettingsTable {
  tenant_id: string;
  settings: Json<Record<string, unknown>>;
  updated_at: DefaultTimestamp;
}

export interface CheckinsTable {
  tenant_id: string;
  member_id: string;
  /** YYYY-MM-DD, the brand-local day. */
  day: string;
  kind: CheckinKind;
  streak: number;
  points: Generated<number>;
  cost_points: Generated<number>;
  checked_at: Timestamp;
}

export interface CheckinStreakRewardsTable {
  tenant_id: string;
  member_id: string;
  streak_start: string;
  milestone_days: number;
  points: Generated<number>;
  coupon_issue_id: string | null;
  rewarded_at: Timestamp;
}

export interface EngagementTasksTable {
  tenant_id: string;
  task_id: string;
  code: string;
  name: string;
  event_type: string;
  period: TaskPeriod;
  events_required: number;
  max_completions_per_period: number;
  reward_points: Generated<number>;
  reward_coupon: string | null;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface EngagementEventsTable {
  tenant_id: string;
  ref: string;
  member_id: string;
  type: string;
  occurred_at: Timestamp;
  received_at: Timestamp;
  outcome: Json<unknown[]>;
}

export interface TaskProgressTable {
  tenant_id: string;
  task_id: string;
  member_id: string;
  period_key: string;
  events: Generated<number>;
  completions: Generated<number>;
  updated_at: Timestamp;
}

export interface TaskCompletionsTable {
  tenant_id: string;
  completion_id: string;
  task_id: string;
  member_id: string;
  period_key: string;
  seq: number;
  event_ref: string;
  points: Generated<number>;
  coupon_issue_id: string | null;
  completed_at: Timestamp;
}

export interface InviteCodesTable {
  tenant_id: string;
  member_id: string;
  code: string;
  created_at: Timestamp;
}

export interface ReferralsTable {
  tenant_id: string;
  referral_id: string;
  invitee_id: string;
  inviter_id: string;
  code: string;
  device_id: string | null;
  status: ReferralStatus;
  reject_reason: string | null;
  join_reward: ReferralReward | null;
  first_order_id: string | null;
  first_order_reward: ReferralReward | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ReferralRewardCountsTable {
  tenant_id: string;
  inviter_id: string;
  month: string;
  rewarded: Generated<number>;
}

export interface TrialsTable {
  tenant_id: string;
  trial_id: string;
  code: string;
  name: string;
  description: string | null;
  product_sku: string;
  quota: number;
  approved_count: Generated<number>;
  applications_open_at: Timestamp;
  applications_close_at: Timestamp;
  feedback_points: Generated<number>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface TrialApplicationsTable {
  tenant_id: string;
  application_id: string;
  trial_id: string;
  member_id: string;
  status: TrialApplicationStatus;
  recipient_name: string;
  phone: string;
  address: string;
  reason: string | null;
  tracking_no: string | null;
  rating: number | null;
  feedback: string | null;
  points_awarded: Generated<number>;
  applied_at: Timestamp;
  decided_at: Timestamp | null;
  shipped_at: Timestamp | null;
  reviewed_at: Timestamp | null;
}

export interface MemberDayClaimsTable {
  tenant_id: string;
  member_id: string;
  /** YYYY-MM, brand-local. */
  month: string;
  template_code: string;
  coupon_issue_id: string;
  claimed_at: Timestamp;
}

export interface EngagementTables {
  engagement_settings: EngagementSettingsTable;
  checkins: CheckinsTable;
  checkin_streak_rewards: CheckinStreakRewardsTable;
  engagement_tasks: EngagementTasksTable;
  engagement_events: EngagementEventsTable;
  task_progress: TaskProgressTable;
  task_completions: TaskCompletionsTable;
  invite_codes: InviteCodesTable;
  referrals: ReferralsTable;
  referral_reward_counts: ReferralRewardCountsTable;
  trials: TrialsTable;
  trial_applications: TrialApplicationsTable;
  member_day_claims: MemberDayClaimsTable;
}
