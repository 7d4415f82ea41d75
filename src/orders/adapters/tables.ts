import type { DefaultTimestamp } from "../../platform/tables.ts";

export type IntegrationPlatform = "shopify" | "woocommerce";

/** The shared secret a platform signs its webhooks with, one per brand and platform (migration 0005). */
export interface IntegrationSecretsTable {
  tenant_id: string;
  platform: IntegrationPlatform;
  /** Kept as given: verifying an HMAC needs the secret itself, not a hash of it. */
  secret: string;
  created_at: DefaultTimestamp;
}

// A type alias rather than an interface: Kysely's withTables wants an index-signature-compatible record.
export type IntegrationsTables = {
  integration_secrets: IntegrationSecretsTable;
};
