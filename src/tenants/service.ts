import { createRootOrgUnit } from "../org/service.ts";
import { setUpProgram } from "../points/program.ts";
import { setUpDefaultTiers } from "../tiers/service.ts";
import type { Db, Executor } from "../platform/db/database.ts";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import { Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";

export interface Tenant {
  tenant_id: string;
  slug: string;
  name: string;
  currency: string;
  country: string;
  time_zone: string;
  locale: string;
  demo: boolean;
  created_at: Date;
}

export interface NewTenant {
  slug: string;
  name: string;
  currency: string;
  country?: string;
  time_zone: string;
  locale?: string;
  demo?: boolean;
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Creates a brand with its headquarters org unit. */
export async function createTenant(db: Db, input: NewTenant, now: Date = new Date()): Promise<Tenant> {
  if (!SLUG.test(input.slug)) {
    throw new Problem("validation-failed", "slug must be 2-63 lowercase letters, digits or dashes", {
      errors: [{ in: "body", field: "/slug", message: "2-63 lowercase letters, digits or dashes" }],
    });
  }
  if (!/^[A-Z]{3}$/.test(input.currency)) {
    throw new Problem("validation-failed", "currency must be an ISO 4217 code such as CNY", {
      errors: [{ in: "body", field: "/currency", message: "an ISO 4217 code such as CNY" }],
    });
  }
  if (!validTimeZone(input.time_zone)) {
    throw new Problem("validation-failed", `unknown time zone ${input.time_zone}`, {
      errors: [{ in: "body", field: "/time_zone", message: "an IANA time zone such as Asia/Shanghai" }],
    });
  }
  return db.transaction().execute(async (tx) => {
    const taken = await tx
      .selectFrom("tenants")
      .select("tenant_id")
      .where("slug", "=", input.slug)
      .executeTakeFirst();
    if (taken) throw new Problem("conflict", `a tenant with slug ${input.slug} already exists`);
    const tenant = await tx
      .insertInto("tenants")
      .values({
        tenant_id: newId("tenant"),
        slug: input.slug,
        name: input.name,
        currency: input.currency,
        country: input.country ?? "CN",
        time_zone: input.time_zone,
        locale: input.locale ?? "zh-CN",
        demo: input.demo ?? false,
      })
      .returning([
        "tenant_id",
        "slug",
        "name",
        "currency",
        "country",
        "time_zone",
        "locale",
        "demo",
        "created_at",
      ])
      .executeTakeFirstOrThrow();
    await createRootOrgUnit(tx, tenant.tenant_id, `${input.name} HQ`);
    // Every brand starts with a working program (1 point per yuan) and a default tier ladder, both editable.
    await setUpProgram(tx, tenant.tenant_id, now);
    await setUpDefaultTiers(tx, tenant.tenant_id, now);
    return tenant;
  });
}

const tenants = new TtlCache<Tenant | undefined>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

/** The brand, cached briefly: it is read by nearly every request and changes rarely. */
export async function getTenant(db: Executor, tenantId: string): Promise<Tenant> {
  const tenant = await tenants.get(tenantId, () => loadTenant(db, tenantId));
  if (!tenant) throw new Problem("not-found", `tenant ${tenantId} does not exist`);
  return tenant;
}

async function loadTenant(db: Executor, tenantId: string): Promise<Tenant | undefined> {
  const tenant = await db
    .selectFrom("tenants")
    .select(["tenant_id", "slug", "name", "currency", "country", "time_zone", "locale", "demo", "created_at"])
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return tenant;
}

export async function findTenantBySlug(db: Executor, slug: string): Promise<Tenant | undefined> {
  return db
    .selectFrom("tenants")
    .select(["tenant_id", "slug", "name", "currency", "country", "time_zone", "locale", "demo", "created_at"])
    .where("slug", "=", slug)
    .executeTakeFirst();
}

export async function listTenants(db: Executor): Promise<Tenant[]> {
  return db
    .selectFrom("tenants")
    .select(["tenant_id", "slug", "name", "currency", "country", "time_zone", "locale", "demo", "created_at"])
    .orderBy("tenant_id")
    .execute();
}

export async function updateTenant(
  db: Executor,
  tenantId: string,
  patch: { name?: string | undefined; time_zone?: string | undefined; locale?: string | undefined },
): Promise<Tenant> {
  if (patch.time_zone !== undefined && !validTimeZone(patch.time_zone)) {
    throw new Problem("validation-failed", `unknown time zone ${patch.time_zone}`, {
      errors: [{ in: "body", field: "/time_zone", message: "an IANA time zone such as Asia/Shanghai" }],
    });
  }
  const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  if (Object.keys(values).length > 0) {
    await db.updateTable("tenants").set(values).where("tenant_id", "=", tenantId).execute();
    tenants.delete(tenantId);
  }
  return getTenant(db, tenantId);
}
