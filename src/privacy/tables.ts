import type { ColumnType } from "kysely";
import type { Timestamp } from "../platform/tables.ts";

export interface MemberErasuresTable {
  tenant_id: string;
  member_id: string;
  reason: string;
  actor: string;
  merged_member_ids: ColumnType<string[], string | undefined, string>;
  erased_at: Timestamp;
}

export interface PrivacyTables {
  member_erasures: MemberErasuresTable;
}
