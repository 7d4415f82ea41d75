import type { Timestamp } from "../platform/tables.ts";

export interface GuideHandoversTable {
  tenant_id: string;
  handover_id: string;
  from_guide_id: string;
  to_guide_id: string | null;
  /** Set when the members went to a store's pool (no guide) rather than to another guide. */
  to_store_id: string | null;
  members_moved: number;
  actor: string;
  at: Timestamp;
}

export interface MemberAssignmentsTable {
  tenant_id: string;
  assignment_id: string;
  member_id: string;
  from_guide_id: string | null;
  to_guide_id: string | null;
  from_store_id: string | null;
  to_store_id: string | null;
  handover_id: string | null;
  actor: string;
  at: Timestamp;
}

export interface GuideDailyResultsTable {
  tenant_id: string;
  staff_id: string;
  /** Brand-local calendar day, YYYY-MM-DD. */
  day: string;
  recruits: number;
  orders: number;
  sales_minor: number;
  redemptions: number;
}

export interface OrgTables {
  guide_handovers: GuideHandoversTable;
  member_assignments: MemberAssignmentsTable;
  guide_daily_results: GuideDailyResultsTable;
}
