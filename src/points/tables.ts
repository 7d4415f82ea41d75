import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

export type Currency = "points" | "growth";
export type LotStatus = "pending" | "available" | "closed";

type JsonObject = ColumnType<Record<string, unknown>, string | undefined, string>;

export interface PointsProgramsTable {
  tenant_id: string;
  settings: ColumnType<Record<string, unknown>, string, string>;
  updated_at: DefaultTimestamp;
}

export interface EarnRulesTable {
  tenant_id: string;
  rule_id: string;
  name: string;
  definition: ColumnType<Record<string, unknown>, string, string>;
  active: Generated<boolean>;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface LedgerEntriesTable {
  tenant_id: string;
  entry_id: string;
  member_id: string;
  currency: Currency;
  kind: string;
  amount: number;
  reason: string;
  rule_id: string | null;
  source_type: string;
  source_id: string | null;
  actor: string;
  detail: JsonObject;
  occurred_at: Timestamp;
  created_at: DefaultTimestamp;
}

export interface LedgerPostingsTable {
  tenant_id: string;
  entry_id: string;
  seq: number;
  account: string;
  member_id: string | null;
  amount: number;
}

export interface PointsLotsTable {
  tenant_id: string;
  lot_id: string;
  member_id: string;
  entry_id: string;
  source_type: string;
  source_id: string | null;
  amount: number;
  remaining: number;
  status: LotStatus;
  earned_at: Timestamp;
  available_at: Timestamp;
  expires_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

export interface MemberBalancesTable {
  tenant_id: string;
  member_id: string;
  available: Generated<number>;
  pending: Generated<number>;
  growth: Generated<number>;
  orders_count: Generated<number>;
  first_order_at: Timestamp | null;
  last_order_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

/** The records merged into a survivor (migrations/0020): where a spend made before a merge is looked up. */
export interface PointsMergesTable {
  tenant_id: string;
  survivor_id: string;
  absorbed_id: string;
  merged_at: Timestamp;
}

export interface PointsTables {
  points_programs: PointsProgramsTable;
  earn_rules: EarnRulesTable;
  ledger_entries: LedgerEntriesTable;
  ledger_postings: LedgerPostingsTable;
  points_lots: PointsLotsTable;
  member_balances: MemberBalancesTable;
  points_merges: PointsMergesTable;
}
