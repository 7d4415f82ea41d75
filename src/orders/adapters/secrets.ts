import type { Kysely } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { invalidField } from "../../platform/http/problems.ts";
import type { Tables } from "../../tables.ts";
import type { IntegrationPlatform, IntegrationsTables } from "./tables.ts";

/** The shared secrets Shopify and WooCommerce sign a brand's webhooks with, one per platform. */

export const MIN_SECRET_LENGTH = 8;

// The table is ours (migration 0005) but not yet in the assembled schema; this view of the executor adds it and
// stays correct once src/tables.ts includes IntegrationsTables.
function withIntegrations(db: Executor): Kysely<Tables & IntegrationsTables> {
  const base: Kysely<Tables> = db;
  return base.withTables<IntegrationsTables>();
}

/** Sets (or replaces) the secret a platform signs this brand's webhooks with. */
export async function setIntegrationSecret(
  tx: Executor,
  tenantId: string,
  platform: IntegrationPlatform,
  secret: string,
  now: Date = new Date(),
): Promise<{ platform: IntegrationPlatform; created_at: Date }> {
  if (secret.length < MIN_SECRET_LENGTH)
    throw invalidField("/secret", `at least ${MIN_SECRET_LENGTH} characters`);
  return withIntegrations(tx)
    .insertInto("integration_secrets")
    .values({ tenant_id: tenantId, platform, secret, created_at: now })
    .onConflict((oc) => oc.columns(["tenant_id", "platform"]).doUpdateSet({ secret, created_at: now }))
    .returning(["platform", "created_at"])
    .executeTakeFirstOrThrow();
}

export async function integrationSecret(
  db: Executor,
  tenantId: string,
  platform: IntegrationPlatform,
): Promise<string | undefined> {
  const row = await withIntegrations(db)
    .selectFrom("integration_secrets")
    .select("secret")
    .where("tenant_id", "=", tenantId)
    .where("platform", "=", platform)
    .executeTakeFirst();
  return row?.secret;
}
