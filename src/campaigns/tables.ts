import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

/** jsonb read as parsed JSON, written as a JSON string; parsed with a schema at the boundary (schemas.ts). */
type Json<T> = ColumnType<T, string, string>;

export type CampaignStatus = "draft" | "scheduled" | "active" | "paused" | "ended";
export type Arm = "treatment" | "holdout";
export type Outcome = "acted" | "held_out" | "capped";
export type RunStatus = "running" | "done" | "stopped";

export interface CampaignsTable {
  tenant_id: string;
  campaign_id: string;
  name: string;
  description: string | null;
  playbook: string | null;
  status: CampaignStatus;
  ended_reason: string | null;
  trigger: Json<Record<string, unknown>>;
  condition: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  actions: Json<unknown[]>;
  once_per_member: Generated<boolean>;
  holdout_percent: number;
  attribution_days: number;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  budget: Json<Record<string, unknown>>;
  frequency_cap: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  spent_coupons: Generated<number>;
  spent_points: Generated<number>;
  spent_messages: Generated<number>;
  scheduled_through: Timestamp | null;
  launched_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface CampaignAssignmentsTable {
  tenant_id: string;
  campaign_id: string;
  member_id: string;
  occurrence: string;
  arm: Arm;
  outcome: Outcome;
  coupons: Generated<number>;
  points: Generated<number>;
  messages: Generated<number>;
  coupon_ids: ColumnType<string[], string | undefined, string>;
  message_ids: ColumnType<string[], string | undefined, string>;
  assigned_at: Timestamp;
}

export interface CampaignRunsTable {
  tenant_id: string;
  campaign_id: string;
  run_key: string;
  status: RunStatus;
  after_member_id: string | null;
  considered: Generated<number>;
  assigned: Generated<number>;
  started_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface CampaignsTables {
  campaigns: CampaignsTable;
  campaign_assignments: CampaignAssignmentsTable;
  campaign_runs: CampaignRunsTable;
}
