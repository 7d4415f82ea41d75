import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import type { Executor } from "../platform/db/database.ts";
import { businessRule, invalidField, notFound } from "../platform/http/problems.ts";
import { refusedUrl } from "./addresses.ts";
import { webhookId } from "./ids.ts";
import { DEFAULT_MAX_ATTEMPTS, EVENT_PATTERN } from "./rules.ts";
import { newWebhookSecret } from "./signature.ts";

/** Where a brand wants its events, and the secret it verifies them with. */
export interface Endpoint {
  endpoint_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
  max_attempts: number;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const DEFAULT_KEEP_PREVIOUS_HOURS = 24;
const MAX_ENDPOINTS_PER_TENANT = 50;

const ENDPOINT_COLUMNS = [
  "endpoint_id",
  "url",
  "description",
  "event_types",
  "enabled",
  "max_attempts",
  "previous_secret_expires_at",
  "created_at",
  "updated_at",
] as const;

function checkUrl(url: string, allowPrivate: boolean): void {
  const refused = refusedUrl(url, allowPrivate);
  if (refused) throw invalidField("/url", `${url}: ${refused}`);
}

function checkEventTypes(types: readonly string[]): void {
  types.forEach((type, i) => {
    if (!EVENT_PATTERN.test(type)) {
      throw invalidField(
        `/event_types/${i}`,
        `"${type}" is not an event type, a family such as member.* or *`,
      );
    }
  });
}

export interface EndpointInput {
  url: string;
  event_types: string[];
  description?: string | undefined;
  max_attempts?: number | undefined;
}

export async function createEndpoint(
  tx: Executor,
  tenantId: string,
  input: EndpointInput,
  options: { allowPrivate: boolean; now: Date },
): Promise<Endpoint & { secret: string }> {
  checkUrl(input.url, options.allowPrivate);
  checkEventTypes(input.event_types);
  const count = await tx
    .selectFrom("webhook_endpoints")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_ENDPOINTS_PER_TENANT) {
    throw businessRule(`a brand may have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`);
  }
  const secret = newWebhookSecret();
  const row = await tx
    .insertInto("webhook_endpoints")
    .values({
      tenant_id: tenantId,
      endpoint_id: webhookId("endpoint"),
      url: input.url,
      description: input.description ?? null,
      event_types: JSON.stringify([...new Set(input.event_types)]),
      secret,
      max_attempts: input.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
      created_at: options.now,
      updated_at: options.now,
    })
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirstOrThrow();
  subscribers.delete(tenantId);
  return { ...row, secret };
}

export async function listEndpoints(db: Executor, tenantId: string): Promise<Endpoint[]> {
  return db
    .selectFrom("webhook_endpoints")
    .select(ENDPOINT_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .orderBy("endpoint_id")
    .execute();
}

export async function getEndpoint(db: Executor, tenantId: string, endpointId: string): Promise<Endpoint> {
  const row = await db
    .selectFrom("webhook_endpoints")
    .select(ENDPOINT_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .executeTakeFirst();
  if (!row) throw notFound("webhook endpoint", endpointId);
  return row;
}

export interface EndpointPatch {
  url?: string | undefined;
  event_types?: string[] | undefined;
  description?: string | null | undefined;
  max_attempts?: number | undefined;
  enabled?: boolean | undefined;
}

export async function updateEndpoint(
  tx: Executor,
  tenantId: string,
  endpointId: string,
  patch: EndpointPatch,
  options: { allowPrivate: boolean; now: Date },
): Promise<Endpoint> {
  await getEndpoint(tx, tenantId, endpointId);
  if (patch.url !== undefined) checkUrl(patch.url, options.allowPrivate);
  if (patch.event_types !== undefined) checkEventTypes(patch.event_types);
  await tx
    .updateTable("webhook_endpoints")
    .set({
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.event_types !== undefined
        ? { event_types: JSON.stringify([...new Set(patch.event_types)]) }
        : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.max_attempts !== undefined ? { max_attempts: patch.max_attempts } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      updated_at: options.now,
    })
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .execute();
  subscribers.delete(tenantId);
  return getEndpoint(tx, tenantId, endpointId);
}

/** Removes the endpoint with its deliveries (pending ones are never sent); answers what was removed. */
export async function deleteEndpoint(tx: Executor, tenantId: string, endpointId: string): Promise<Endpoint> {
  const endpoint = await getEndpoint(tx, tenantId, endpointId);
  await tx
    .deleteFrom("webhook_endpoints")
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .execute();
  subscribers.delete(tenantId);
  return endpoint;
}

/**
 * A new secret; the old one keeps signing beside it for `keepPreviousHours`, so a receiver that still knows only
 * the old secret goes on verifying (Standard Webhooks receivers accept any one valid signature).
 */
export async function rotateSecret(
  tx: Executor,
  tenantId: string,
  endpointId: string,
  keepPreviousHours: number | undefined,
  now: Date,
): Promise<Endpoint & { secret: string }> {
  const current = await tx
    .selectFrom("webhook_endpoints")
    .select("secret")
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw notFound("webhook endpoint", endpointId);
  const hours = keepPreviousHours ?? DEFAULT_KEEP_PREVIOUS_HOURS;
  const secret = newWebhookSecret();
  await tx
    .updateTable("webhook_endpoints")
    .set({
      secret,
      previous_secret: hours > 0 ? current.secret : null,
      previous_secret_expires_at: hours > 0 ? new Date(now.getTime() + hours * 3_600_000) : null,
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .execute();
  return { ...(await getEndpoint(tx, tenantId, endpointId)), secret };
}

/** The secrets that sign a delivery now: the current one, and the previous one during its grace period. */
export async function signingSecrets(
  db: Executor,
  tenantId: string,
  endpointId: string,
  now: Date,
): Promise<{ url: string; enabled: boolean; max_attempts: number; secrets: string[] } | undefined> {
  const row = await db
    .selectFrom("webhook_endpoints")
    .select(["url", "enabled", "max_attempts", "secret", "previous_secret", "previous_secret_expires_at"])
    .where("tenant_id", "=", tenantId)
    .where("endpoint_id", "=", endpointId)
    .executeTakeFirst();
  if (!row) return undefined;
  const previousValid =
    row.previous_secret !== null &&
    row.previous_secret_expires_at !== null &&
    row.previous_secret_expires_at > now;
  return {
    url: row.url,
    enabled: row.enabled,
    max_attempts: row.max_attempts,
    secrets: previousValid && row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
  };
}

export interface Subscriber {
  endpoint_id: string;
  event_types: string[];
}

/**
 * Every event the relay hands over is matched against the brand's endpoints; cached briefly (the relay passes
 * thousands of events per second in an import). A change here applies at once in this process, in others within
 * the settings TTL: an endpoint created elsewhere may miss the events of its first few seconds.
 */
const subscribers = new TtlCache<Subscriber[]>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

export async function endpointSubscribers(db: Executor, tenantId: string): Promise<Subscriber[]> {
  return subscribers.get(tenantId, () =>
    db
      .selectFrom("webhook_endpoints")
      .select(["endpoint_id", "event_types"])
      .where("tenant_id", "=", tenantId)
      .execute(),
  );
}
