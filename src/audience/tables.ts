import type { ColumnType } from "kysely";
import type { Timestamp } from "../platform/tables.ts";

/** jsonb read as an object, written as a JSON string; parsed with a schema at the boundary. */
type JsonObject = ColumnType<Record<string, unknown>, string, string>;
/** text[]: read and written as an array. */
type TextArray = ColumnType<string[], string[], string[]>;

export type Stage = "prospect" | "new" | "active" | "silent" | "lost";
export type RfmGroupName =
  | "champions"
  | "loyal"
  | "potential_loyalists"
  | "new_customers"
  | "promising"
  | "need_attention"
  | "about_to_sleep"
  | "at_risk"
  | "cant_lose"
  | "hibernating";
export type TagKind = "manual" | "rule" | "product_lifecycle" | "scene" | "keyword";
export type TagDimension =
  "attribute" | "product_lifecycle" | "user_lifecycle" | "custom" | "chat_keyword" | "scene";
export type TagSource =
  "manual" | "csv" | "api" | "rule" | "product_lifecycle" | "scene" | "keyword" | "campaign";

export interface AudienceSettingsTable {
  tenant_id: string;
  settings: JsonObject;
  updated_at: Timestamp;
}

export interface AudienceMemberFactsTable {
  tenant_id: string;
  member_id: string;
  status: string;
  gender: string;
  birthday: string | null;
  region: string | null;
  join_channel: string;
  join_store_id: string | null;
  scene_key: string | null;
  home_store_id: string | null;
  guide_id: string | null;
  joined_at: Timestamp;
  consent_sms: boolean;
  consent_email: boolean;
  consent_im: boolean;
  attributes: JsonObject;
  tier_code: string | null;
  points_available: number;
  growth: number;
  orders_count: number;
  spend_minor: number;
  first_order_at: Timestamp | null;
  last_order_at: Timestamp | null;
  categories: TextArray;
  channels: TextArray;
  store_ids: TextArray;
  refreshed_at: Timestamp;
}

export interface AudienceMemberScoresTable {
  tenant_id: string;
  member_id: string;
  frequency: number;
  monetary_minor: number;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_group: RfmGroupName | null;
  stage: Stage;
  stage_since: Timestamp;
  important: boolean;
  computed_at: Timestamp;
}

export interface AudienceRfmRunsTable {
  tenant_id: string;
  window_days: number;
  recency_days_breakpoints: ColumnType<number[], number[], number[]>;
  frequency_breakpoints: ColumnType<number[], number[], number[]>;
  monetary_breakpoints: ColumnType<number[], number[], number[]>;
  scored_members: number;
  computed_at: Timestamp;
}

export interface AudienceStageHistoryTable {
  tenant_id: string;
  member_id: string;
  changed_at: Timestamp;
  from_stage: Stage;
  to_stage: Stage;
}

export interface AudienceLtvModelsTable {
  tenant_id: string;
  model_id: string;
  fitted_at: Timestamp;
  calibration_end: Timestamp;
  bgnbd: JsonObject;
  gamma_gamma: ColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export interface AudienceMemberLtvTable {
  tenant_id: string;
  member_id: string;
  model_id: string;
  repeat_purchases: number;
  p_alive: number;
  expected_purchases_90d: number;
  expected_purchases_365d: number;
  expected_order_value_minor: number | null;
  predicted_value_365d_minor: number | null;
  computed_at: Timestamp;
}

export interface AudienceTagGroupsTable {
  tenant_id: string;
  group_id: string;
  name: string;
  dimension: TagDimension;
  description: string | null;
  created_at: Timestamp;
}

export interface AudienceTagsTable {
  tenant_id: string;
  tag_id: string;
  group_id: string;
  name: string;
  kind: TagKind;
  definition: JsonObject;
  expires_after_days: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AudienceMemberTagsTable {
  tenant_id: string;
  member_id: string;
  tag_id: string;
  source: TagSource;
  source_ref: string | null;
  tagged_at: Timestamp;
  expires_at: Timestamp | null;
}

export interface AudienceChatMessagesTable {
  tenant_id: string;
  source: string;
  external_id: string;
  member_id: string;
  matched_tag_ids: TextArray;
  sent_at: Timestamp;
  received_at: Timestamp;
}

export interface AudienceSegmentsTable {
  tenant_id: string;
  segment_id: string;
  name: string;
  description: string | null;
  condition: JsonObject;
  topics: TextArray;
  member_count: ColumnType<number, number | undefined, number>;
  evaluated_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AudienceSegmentMembersTable {
  tenant_id: string;
  segment_id: string;
  member_id: string;
  entered_at: Timestamp;
}

export interface AudienceDirtyMembersTable {
  tenant_id: string;
  member_id: string;
  topics: TextArray;
  first_marked_at: Timestamp;
  marked_at: Timestamp;
}

export type RecomputePhase = "facts" | "scores" | "tags" | "segments" | "events";

export interface AudienceRecomputeRunsTable {
  tenant_id: string;
  run_id: string;
  status: "running" | "succeeded" | "failed";
  facts: "full" | "changed";
  phase: RecomputePhase | null;
  phases_done: ColumnType<number, number | undefined, number>;
  weights: ColumnType<Record<RecomputePhase, number>, string, string>;
  report: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  error: string | null;
  requested_by: string;
  started_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface AudienceTables {
  audience_settings: AudienceSettingsTable;
  audience_member_facts: AudienceMemberFactsTable;
  audience_member_scores: AudienceMemberScoresTable;
  audience_rfm_runs: AudienceRfmRunsTable;
  audience_stage_history: AudienceStageHistoryTable;
  audience_ltv_models: AudienceLtvModelsTable;
  audience_member_ltv: AudienceMemberLtvTable;
  audience_tag_groups: AudienceTagGroupsTable;
  audience_tags: AudienceTagsTable;
  audience_member_tags: AudienceMemberTagsTable;
  audience_chat_messages: AudienceChatMessagesTable;
  audience_segments: AudienceSegmentsTable;
  audience_segment_members: AudienceSegmentMembersTable;
  audience_dirty_members: AudienceDirtyMembersTable;
  audience_recompute_runs: AudienceRecomputeRunsTable;
}
