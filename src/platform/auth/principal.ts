import type { Role } from "../tables.ts";

/** Who is calling. Every principal belongs to exactly one tenant; every query is scoped by it. */
export type Principal =
  | { kind: "api_key"; tenantId: string; apiKeyId: string; scope: "read" | "write" }
  | {
      kind: "staff";
      tenantId: string;
      staffId: string;
      role: Role;
      orgUnitId: string;
      orgPath: string;
      sessionId: string;
    }
  | { kind: "member"; tenantId: string; memberId: string; sessionId: string }
  /** The CLI and background jobs: trusted, acting for one tenant. */
  | { kind: "system"; tenantId: string; actor: string };

/**
 * Who may call a route. Routes list what they allow; anything not listed is refused.
 * `staff: "all"` admits every role; data scoping inside the route still applies.
 */
export interface Access {
  public?: true;
  apiKey?: "read" | "write";
  staff?: readonly Role[] | "all";
  member?: true;
}

export const ROLES: readonly Role[] = ["owner", "hq_operator", "region_manager", "store_manager", "guide"];
/** Roles that see and configure the whole brand. */
export const HQ_ROLES: readonly Role[] = ["owner", "hq_operator"];

/** A short stable label for logs, audit entries and idempotency records. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case "api_key":
      return principal.apiKeyId;
    case "staff":
      return principal.staffId;
    case "member":
      return principal.memberId;
    case "system":
      return `system:${principal.actor}`;
  }
}

export function isAllowed(access: Access, principal: Principal | undefined): boolean {
  if (access.public) return true;
  if (!principal) return false;
  switch (principal.kind) {
    case "api_key":
      if (!access.apiKey) return false;
      // A write key may do everything a read key may.
      return principal.scope === "write" || access.apiKey === "read";
    case "staff":
      if (!access.staff) return false;
      return access.staff === "all" || access.staff.includes(principal.role);
    case "member":
      return access.member === true;
    case "system":
      return true;
  }
}

/** The tenant of the authenticated caller; a route's access rule guarantees there is one. */
export function tenantOf(request: { principal?: Principal | undefined }): string {
  if (!request.principal) throw new Error("route reached without a principal");
  return request.principal.tenantId;
}
