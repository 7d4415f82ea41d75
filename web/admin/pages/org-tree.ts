// The org units as a tree: children under their parent, staff counted per subtree, a unit's place read from the root.

export type OrgUnitKind = "hq" | "region" | "branch" | "store";

export interface OrgUnit {
  org_unit_id: string;
  parent_id: string | null;
  kind: OrgUnitKind;
  code: string;
  name: string;
  /** Ids from the root, `/ou_a/ou_b/`. */
  path: string;
}

export interface StaffMember {
  staff_id: string;
  name: string;
  email: string;
  role: string;
  org_unit_id: string;
  status: string;
}

export interface UnitNode {
  unit: OrgUnit;
  children: UnitNode[];
}

/** What may be added under each kind: the API's rule (HQ → region → branch → store). */
export const CHILD_KINDS: Record<OrgUnitKind, readonly Exclude<OrgUnitKind, "hq">[]> = {
  hq: ["region", "branch", "store"],
  region: ["region", "branch", "store"],
  branch: ["store"],
  store: [],
};

/** Roots are units whose parent the caller cannot see (a region manager's region), not only HQ. */
export function buildTree(units: readonly OrgUnit[]): UnitNode[] {
  const nodes = new Map(units.map((u) => [u.org_unit_id, { unit: u, children: [] as UnitNode[] }]));
  const roots: UnitNode[] = [];
  // The API lists by path, so a parent's children arrive in creation order.
  for (const node of nodes.values()) {
    const parent = node.unit.parent_id ? nodes.get(node.unit.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Staff at each unit or below it. */
export function staffBelow(units: readonly OrgUnit[], staff: readonly StaffMember[]): Map<string, number> {
  const pathOf = new Map(units.map((u) => [u.org_unit_id, u.path]));
  const counts = new Map<string, number>();
  for (const member of staff) {
    const path = pathOf.get(member.org_unit_id);
    if (!path) continue;
    for (const id of path.split("/").filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** `HQ / East China / Xintiandi`: the names from the root down to the unit. */
export function placeOf(unit: OrgUnit, units: readonly OrgUnit[]): string {
  const nameOf = new Map(units.map((u) => [u.org_unit_id, u.name]));
  return unit.path
    .split("/")
    .filter(Boolean)
    .map((id) => nameOf.get(id) ?? "…")
    .join(" / ");
}

export function isBelow(unit: OrgUnit, ancestor: OrgUnit): boolean {
  return unit.path.startsWith(ancestor.path);
}
