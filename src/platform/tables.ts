import type { ColumnType, Generated } from "kysely";

/** timestamptz: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type Role = "owner" | "hq_operator" | "region_manager" | "store_manager" | "guide";
export type OrgUnitKind = "hq" | "region" | "branch" | "store";

export interface TenantsTable {
  tenant_id: string;
  slug: string;
  name: string;
  currency: string;
  country: Generated<string>;
  time_zone: string;
  locale: Generated<string>;
  demo: Generated<boolean>;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: DefaultTimestamp;
}

export interface OrgUnitsTable {
  tenant_id: string;
  org_unit_id: string;
  parent_id: string | null;
  kind: OrgUnitKind;
  code: string;
  name: string;
  path: string;
  created_at: DefaultTimestamp;
}

export interface StaffTable {
  tenant_id: string;
  staff_id: string;
  email: string;
  name: string;
  role: Role;
  org_unit_id: string;
  password_hash: string;
  status: Generated<"active" | "disabled">;
  created_at: DefaultTimestamp;
}

export interface ApiKeysTable {
  tenant_id: string;
  api_key_id: string;
  name: string;
  scope: "read" | "write";
  secret_hash: string;
  created_at: DefaultTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface SessionsTable {
  tenant_id: string;
  session_id: string;
  subject_kind: "staff" | "member";
  subject_id: string;
  secret_hash: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface OtpChallengesTable {
  tenant_id: string;
  otp_id: string;
  phone: string;
  code_hash: string;
  attempts: Generated<number>;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  idempotency_key: string;
  principal: string;
  method: string;
  path: string;
  request_hash: string;
  state: "running" | "done";
  response_status: number | null;
  response_body: ColumnType<unknown, string | null | undefined, string | null>;
  locked_until: Timestamp;
  created_at: DefaultTimestamp;
}

export interface OutboxTable {
  tenant_id: string;
  event_id: string;
  type: string;
  subject_id: string | null;
  payload: ColumnType<Record<string, unknown>, string, string>;
  occurred_at: DefaultTimestamp;
  relayed_at: Timestamp | null;
  relay_attempts: Generated<number>;
  relay_error: string | null;
  relay_after: Timestamp | null;
}

export interface AuditLogTable {
  tenant_id: string;
  audit_id: string;
  actor: string;
  action: string;
  subject_id: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  at: DefaultTimestamp;
}

export interface PlatformTables {
  tenants: TenantsTable;
  org_units: OrgUnitsTable;
  staff: StaffTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  otp_challenges: OtpChallengesTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  audit_log: AuditLogTable;
}
