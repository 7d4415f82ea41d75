import type { Generated } from "kysely";
import type { Timestamp } from "../platform/tables.ts";

export type TaskKind = "recruit" | "issue_coupons" | "contact_members";
export type AssigneeRole = "guide" | "store_manager";

export interface StaffTasksTable {
  tenant_id: string;
  task_id: string;
  title: string;
  description: string | null;
  kind: TaskKind;
  scope_org_unit_id: string;
  scope_path: string;
  assignee_role: AssigneeRole;
  target_per_assignee: number;
  template_code: string | null;
  segment_id: string | null;
  starts_at: Timestamp;
  due_at: Timestamp;
  reward_points: number | null;
  reward_bonus_minor: number | null;
  status: Generated<"open" | "cancelled">;
  created_by: string;
  created_at: Timestamp;
}

export interface StaffTaskAssigneesTable {
  tenant_id: string;
  task_id: string;
  staff_id: string;
  org_unit_id: string;
  org_path: string;
  done: Generated<number>;
  completed_at: Timestamp | null;
  reminders: Generated<number>;
  last_reminded_at: Timestamp | null;
}

export interface StaffTaskCreditsTable {
  tenant_id: string;
  task_id: string;
  subject_id: string;
  staff_id: string;
  member_id: string;
  at: Timestamp;
}

export interface StaffContactsTable {
  tenant_id: string;
  contact_id: string;
  staff_id: string;
  member_id: string;
  channel: string;
  note: string | null;
  at: Timestamp;
}

export interface StaffRewardsTable {
  tenant_id: string;
  task_id: string;
  staff_id: string;
  points: number;
  bonus_minor: number;
  at: Timestamp;
}

export interface StaffTasksTables {
  staff_tasks: StaffTasksTable;
  staff_task_assignees: StaffTaskAssigneesTable;
  staff_task_credits: StaffTaskCreditsTable;
  staff_contacts: StaffContactsTable;
  staff_rewards: StaffRewardsTable;
}
