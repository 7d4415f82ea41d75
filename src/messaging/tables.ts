import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

export type MessageChannel = "sms" | "email" | "im";
export type MessageCategory = "marketing" | "transactional";
export type MessageStatus = "queued" | "sent" | "delivered" | "failed" | "suppressed";

/** jsonb read as parsed JSON, written as a JSON string; parsed with a schema at the boundary. */
type Json<T> = ColumnType<T, string, string>;

export interface MessagingSettingsTable {
  tenant_id: string;
  settings: Json<Record<string, unknown>>;
  updated_at: DefaultTimestamp;
}

export interface MessageTemplatesTable {
  tenant_id: string;
  template_id: string;
  code: string;
  name: string;
  category: MessageCategory;
  default_locale: string;
  contents: Json<Record<string, unknown>>;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface MessagesTable {
  tenant_id: string;
  message_id: string;
  member_id: string;
  template_id: string;
  template_code: string;
  channel: MessageChannel;
  category: MessageCategory;
  locale: string;
  recipient: string | null;
  subject: string | null;
  body: string;
  status: MessageStatus;
  reason: string | null;
  campaign_id: string | null;
  transport: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: DefaultTimestamp;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

export interface MessagingTables {
  messaging_settings: MessagingSettingsTable;
  message_templates: MessageTemplatesTable;
  messages: MessagesTable;
}
