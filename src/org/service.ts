import type { Executor } from "../platform/db/database.ts";
import { Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import type { OrgUnitKind } from "../platform/tables.ts";

export interface OrgUnit {
  org_unit_id: string;
  parent_id: string | null;
  kind: OrgUnitKind;
  code: string;
  name: string;
  path: string;
  created_at: Date;
}

const COLUMNS = ["org_unit_id", "parent_id", "kind", "code", "name", "path", "created_at"] as const;

/** Which kinds may sit under which: the tree reads HQ → region → branch → store. */
const ALLOWED_PARENTS: Record<OrgUnitKind, readonly OrgUnitKind[]> = {
  hq: [],
  region: ["hq", "region"],
  branch: ["hq", "region"],
  store: ["hq", "region", "branch"],
};

export async function createRootOrgUnit(tx: Executor, tenantId: string, name: string): Promise<OrgUnit> {
  const id = newId("orgUnit");
  return tx
    .insertInto("org_units")
    .values({
      tenant_id: tenantId,
      org_unit_id: id,
      parent_id: null,
      kind: "hq",
      code: "HQ",
      name,
      path: `/${id}/`,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function getRootOrgUnit(db: Executor, tenantId: string): Promise<OrgUnit> {
  return db
    .selectFrom("org_units")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("parent_id", "is", null)
    .executeTakeFirstOrThrow();
}

export async function getOrgUnit(db: Executor, tenantId: string, orgUnitId: string): Promise<OrgUnit> {
  const unit = await db
    .selectFrom("org_units")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("org_unit_id", "=", orgUnitId)
    .executeTakeFirst();
  if (!unit) throw new Problem("not-found", `org unit ${orgUnitId} does not exist`);
  return unit;
}

export async function findOrgUnitByCode(
  db: Executor,
  tenantId: string,
  code: string,
): Promise<OrgUnit | undefined> {
  return db
    .selectFrom("org_units")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("code", "=", code)
    .executeTakeFirst();
}

export async function createOrgUnit(
  tx: Executor,
  tenantId: string,
  input: { parent_id: string; kind: OrgUnitKind; code: string; name: string },
): Promise<OrgUnit> {
  const parent = await getOrgUnit(tx, tenantId, input.parent_id).catch(() => {
    throw new Problem("validation-failed", `parent org unit ${input.parent_id} does not exist`, {
      errors: [{ in: "body", field: "/parent_id", message: "no such org unit" }],
    });
  });
  if (!ALLOWED_PARENTS[input.kind].includes(parent.kind)) {
    throw new Problem("business-rule", `a ${input.kind} cannot be placed under a ${parent.kind}`, {
      errors: [
        {
          in: "body",
          field: "/parent_id",
          message: `a ${input.kind} cannot be placed under a ${parent.kind}`,
        },
      ],
    });
  }
  if (await findOrgUnitByCode(tx, tenantId, input.code)) {
    throw new Problem("conflict", `org unit code ${input.code} is already used`, {
      errors: [{ in: "body", field: "/code", message: "already used" }],
    });
  }
  const id = newId("orgUnit");
  return tx
    .insertInto("org_units")
    .values({
      tenant_id: tenantId,
      org_unit_id: id,
      parent_id: parent.org_unit_id,
      kind: input.kind,
      code: input.code,
      name: input.name,
      path: `${parent.path}${id}/`,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

/** Renames a unit or changes its code; its place in the tree (kind, parent) stays, so no scope moves. */
export async function updateOrgUnit(
  tx: Executor,
  tenantId: string,
  orgUnitId: string,
  change: { name?: string | undefined; code?: string | undefined },
): Promise<OrgUnit> {
  const current = await getOrgUnit(tx, tenantId, orgUnitId);
  if (change.code !== undefined && change.code !== current.code) {
    if (await findOrgUnitByCode(tx, tenantId, change.code)) {
      throw new Problem("conflict", `org unit code ${change.code} is already used`, {
        errors: [{ in: "body", field: "/code", message: "already used" }],
      });
    }
  }
  if (change.name === undefined && change.code === undefined) return current;
  return tx
    .updateTable("org_units")
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.code !== undefined ? { code: change.code } : {}),
    })
    .where("tenant_id", "=", tenantId)
    .where("org_unit_id", "=", orgUnitId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

/** The units at or below `path`: a staff member's data scope. */
export async function listOrgUnits(db: Executor, tenantId: string, withinPath?: string): Promise<OrgUnit[]> {
  let query = db.selectFrom("org_units").select(COLUMNS).where("tenant_id", "=", tenantId);
  if (withinPath) query = query.where("path", "like", `${withinPath}%`);
  return query.orderBy("path").execute();
}

/** Which of these ids are stores of the brand (one query for a whole batch of orders). */
export async function existingStoreIds(db: Executor, tenantId: string, ids: string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const rows = await db
    .selectFrom("org_units")
    .select("org_unit_id")
    .where("tenant_id", "=", tenantId)
    .where("org_unit_id", "in", unique)
    .where("kind", "=", "store")
    .execute();
  return new Set(rows.map((r) => r.org_unit_id));
}
