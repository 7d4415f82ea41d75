/** Which requests the audit log records, decided from the route alone. Pure: no IO. */

/** Routes that read or change members without naming one in the path: lists, search, lookup, exports. */
const MEMBER_ROUTES: ReadonlySet<string> = new Set([
  "GET /v1/members",
  "POST /v1/members",
  "GET /v1/members/lookup",
  "GET /v1/audience/segments/:segment_id/members",
  "GET /v1/audience/segments/:segment_id/export",
  "GET /v1/audience/tags/:tag_id/members",
  // names each redemption's member (and the address goods ship to)
  "GET /v1/mall/redemptions",
  // a contact task's to-do list names the members to contact
  "GET /v1/staff-tasks/:task_id/todo",
]);
/** Exports of member data in bulk or whole: their own action name, so a reviewer finds them first. */
const EXPORT_ROUTES: ReadonlySet<string> = new Set([
  "GET /v1/audience/segments/:segment_id/export",
  "GET /v1/members/:member_id/data-export",
]);
/** POSTs that only read: a checkout quote prices the member's wallet, tier and points and changes nothing. */
const READ_ONLY_POSTS: ReadonlySet<string> = new Set([
  "POST /v1/checkout/quote",
  "POST /v1/audience/segments/preview",
]);

/** Reading the audit log names members in its query but reads no member data. */
const NOT_AUDITED: ReadonlySet<string> = new Set(["GET /v1/audit-log"]);
const MEMBER_ID_MAX_LENGTH = 64;

export type AuditAction =
  "member_data.read" | "member_data.change" | "member_data.export" | "member_data.erase";

export interface AuditedRequest {
  action: AuditAction;
  /** The member concerned, when the request names one (path, query or body `member_id`). */
  member_id: string | null;
}

function memberIdIn(part: unknown): string | undefined {
  if (typeof part !== "object" || part === null || !("member_id" in part)) return undefined;
  const value = part.member_id;
  return typeof value === "string" && value.length > 0 && value.length <= MEMBER_ID_MAX_LENGTH
    ? value
    : undefined;
}

/** Whether a staff or API-key request is recorded, and as what. `route` is the route's pattern, not the URL. */
export function auditedRequest(request: {
  method: string;
  route: string;
  params: unknown;
  query: unknown;
  body: unknown;
}): AuditedRequest | undefined {
  const key = `${request.method} ${request.route}`;
  if (!request.route.startsWith("/v1/") || NOT_AUDITED.has(key)) return undefined;
  const memberId = memberIdIn(request.params) ?? memberIdIn(request.query) ?? memberIdIn(request.body);
  if (memberId === undefined && !MEMBER_ROUTES.has(key)) return undefined;
  const action: AuditAction = EXPORT_ROUTES.has(key)
    ? "member_data.export"
    : key === "POST /v1/members/:member_id/erasure"
      ? "member_data.erase"
      : request.method === "GET" || request.method === "HEAD" || READ_ONLY_POSTS.has(key)
        ? "member_data.read"
        : "member_data.change";
  return { action, member_id: memberId ?? null };
}
