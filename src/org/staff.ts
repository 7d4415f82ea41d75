import type { Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import type { Role } from "../platform/tables.ts";

/** A staff member and where they sit in the tree: what tasks, handovers and rankings need to know. */
export interface StaffPlacement {
  staff_id: string;
  name: string;
  role: Role;
  status: "active" | "disabled";
  org_unit_id: string;
  org_path: string;
}

function placements(db: Executor, tenantId: string) {
  return db
    .selectFrom("staff")
    .innerJoin("org_units", (join) =>
      join
        .onRef("org_units.tenant_id", "=", "staff.tenant_id")
        .onRef("org_units.org_unit_id", "=", "staff.org_unit_id"),
    )
    .select([
      "staff.staff_id",
      "staff.name",
      "staff.role",
      "staff.status",
      "staff.org_unit_id",
      "org_units.path as org_path",
    ])
    .where("staff.tenant_id", "=", tenantId);
}

export async function findStaffPlacement(
  db: Executor,
  tenantId: string,
  staffId: string,
): Promise<StaffPlacement | undefined> {
  return placements(db, tenantId).where("staff.staff_id", "=", staffId).executeTakeFirst();
}

/** Active staff of these roles at or below `withinPath`. */
export async function listStaffPlacements(
  db: Executor,
  tenantId: string,
  filter: { withinPath: string; roles?: readonly Role[] },
): Promise<StaffPlacement[]> {
  let query = placements(db, tenantId)
    .where("staff.status", "=", "active")
    .where("org_units.path", "like", `${filter.withinPath}%`);
  if (filter.roles) query = query.where("staff.role", "in", [...filter.roles]);
  return query.orderBy("staff.staff_id").execute();
}

export async function placementsOf(
  db: Executor,
  tenantId: string,
  staffIds: readonly string[],
): Promise<Map<string, StaffPlacement>> {
  const unique = [...new Set(staffIds)];
  if (unique.length === 0) return new Map();
  const rows = await placements(db, tenantId).where("staff.staff_id", "in", unique).execute();
  return new Map(rows.map((r) => [r.staff_id, r]));
}

/** The subtree a caller may see: staff their own unit's; API keys and the system the whole brand (undefined). */
export function scopePathOf(principal: Principal | undefined): string | undefined {
  return principal?.kind === "staff" ? principal.orgPath : undefined;
}

/** Whether a unit with path `path` lies at or below `scopePath` (undefined scope: the whole brand). */
export function isWithin(path: string, scopePath: string | undefined): boolean {
  return scopePath === undefined || path.startsWith(scopePath);
}
