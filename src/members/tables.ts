import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

export type MemberStatus = "prospect" | "active" | "merged" | "erased";
export type Gender = "female" | "male" | "other" | "unknown";
export type ConsentChannel = "sms" | "email" | "im";
/** Per channel: whether the member agreed to marketing there, and when they last said so. */
export type Consent = Partial<Record<ConsentChannel, { granted: boolean; at: string }>>;

export interface MembersTable {
  tenant_id: string;
  member_id: string;
  card_no: string;
  status: Generated<MemberStatus>;
  merged_into: string | null;
  phone: string | null;
  email: string | null;
  name: string | null;
  gender: Generated<Gender>;
  birthday: string | null;
  region: string | null;
  consent: ColumnType<Consent, string | undefined, string>;
  join_channel: string;
  join_store_id: string | null;
  join_guide_id: string | null;
  scene_key: string | null;
  home_store_id: string | null;
  guide_id: string | null;
  attributes: ColumnType<Record<string, unknown>, string | undefined, string>;
  joined_at: Timestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface MemberIdentitiesTable {
  tenant_id: string;
  kind: string;
  value: string;
  member_id: string;
  created_at: DefaultTimestamp;
}

export interface MembersTables {
  members: MembersTable;
  member_identities: MemberIdentitiesTable;
}
