import type { ColumnType, Generated } from "kysely";
import type { DefaultTimestamp, Timestamp } from "../platform/tables.ts";

export type DeliveryStatus = "pending" | "delivered" | "dead";

export interface WebhookEndpointsTable {
  tenant_id: string;
  endpoint_id: string;
  url: string;
  description: string | null;
  event_types: ColumnType<string[], string, string>;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  enabled: Generated<boolean>;
  max_attempts: number;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface WebhookDeliveriesTable {
  tenant_id: string;
  delivery_id: string;
  endpoint_id: string;
  /** Insertion order (an identity column): orders one subject's deliveries to one endpoint. */
  seq: ColumnType<number, never, never>;
  event_id: string;
  event_type: string;
  /** The member (or other subject) whose events must arrive in order; the event id when there is none. */
  subject_key: string;
  /** The exact JSON sent (and signed), so every attempt and replay carries the same bytes. */
  body: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: DefaultTimestamp;
  delivered_at: Timestamp | null;
  dead_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

export interface WebhooksTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
