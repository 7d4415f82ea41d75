import type { Generated } from "kysely";
import type { Timestamp } from "../platform/tables.ts";

export interface QuickRepliesTable {
  tenant_id: string;
  reply_id: string;
  /** Null: shared by HQ with everyone; otherwise the one person's own script. */
  owner_staff_id: string | null;
  category: string;
  title: string;
  body: string;
  use_count: Generated<number>;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RepliesTables {
  quick_replies: QuickRepliesTable;
}
