import type { ColumnType } from "kysely";
import type { Timestamp } from "../platform/tables.ts";

export type ChannelCodeKind = "store" | "guide" | "campaign";

export interface ChannelCodesTable {
  tenant_id: string;
  code_id: string;
  scene_key: string;
  name: string;
  kind: ChannelCodeKind;
  store_id: string | null;
  guide_id: string | null;
  campaign: string | null;
  org_path: string;
  tag_ids: ColumnType<string[], string, string>;
  /** A coupon template or pack code issued to whoever joins through the code. */
  welcome_coupon: string | null;
  active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChannelCodeDaysTable {
  tenant_id: string;
  code_id: string;
  day: string;
  scans: number;
  joins: number;
  first_orders: number;
}

export interface ChannelCodeMembersTable {
  tenant_id: string;
  member_id: string;
  code_id: string;
  joined_at: Timestamp;
  first_order_at: Timestamp | null;
}

export interface ChannelCodesTables {
  channel_codes: ChannelCodesTable;
  channel_code_days: ChannelCodeDaysTable;
  channel_code_members: ChannelCodeMembersTable;
}
