import type { Static } from "typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { MemberIdParams } from "../members/schemas.ts";
import { actorOf, HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT } from "../platform/http/pagination.ts";
import { invalidField } from "../platform/http/problems.ts";
import { type AuditEntry, listAuditLog } from "./audit-log.ts";
import { eraseMember, type Erasure } from "./erasure.ts";
import { exportMemberData } from "./export.ts";
import { AuditPage, AuditQuery, DataExportSchema, ErasureBody, ErasureSchema } from "./schemas.ts";

function serializeErasure(erasure: Erasure, alreadyErased: boolean) {
  return {
    ...erasure,
    status: "erased" as const,
    erased_at: erasure.erased_at.toISOString(),
    already_erased: alreadyErased,
  };
}

function text(detail: Record<string, unknown>, key: string): string | null {
  const value = detail[key];
  return typeof value === "string" ? value : null;
}

function serializeAuditEntry(entry: AuditEntry) {
  const status = entry.detail.status;
  return {
    ...entry,
    at: entry.at.toISOString(),
    actor_kind: text(entry.detail, "actor_kind"),
    role: text(entry.detail, "role"),
    method: text(entry.detail, "method"),
    route: text(entry.detail, "route"),
    status: typeof status === "number" && Number.isInteger(status) ? status : null,
    request_id: text(entry.detail, "request_id"),
  };
}

/** A query's date-time as a Date; the format check admits a few (a leap second) that Date cannot hold. */
function instant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw invalidField(field, "is not a time this API can read", "query");
  return at;
}

/** Personal data: a member's data export and erasure, and the audit log of who touched members' data. */
export const privacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.get(
    "/v1/members/:member_id/data-export",
    {
      schema: {
        tags: ["privacy"],
        summary: "Everything held about a member (GDPR access and portability, PIPL art. 45)",
        description:
          "One JSON document: the member record, identities, each capability's section (orders, points ledger, " +
          "tier, coupons, mall redemptions, tags and scores, guide assignments, …) and the member's timeline. " +
          "Recorded in the audit log as `member_data.export`.",
        params: MemberIdParams,
        response: { 200: DataExportSchema },
      },
      config: { access: { staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const document = await exportMemberData(db, tenantOf(request), request.params.member_id, now());
      reply.header("content-disposition", `attachment; filename="member-${request.params.member_id}.json"`);
      // Dates become ISO strings here; the sections are each capability's own shapes.
      return JSON.parse(JSON.stringify(document)) as Static<typeof DataExportSchema>;
    },
  );

  app.post(
    "/v1/members/:member_id/erasure",
    {
      schema: {
        tags: ["privacy"],
        summary: "Erase a member's personal data (GDPR art. 17, PIPL art. 47)",
        description:
          "Removes phone, email, name, birthday, region, identities, consent, attributes, addresses and tags; " +
          "the member stays as `erased` so orders, the points ledger and counts stay consistent. Stored events " +
          "are scrubbed of personal fields and the member's sessions end. Irreversible; idempotent (a second " +
          "request answers the first erasure with `already_erased: true`). Emits `member.erased`.",
        params: MemberIdParams,
        body: ErasureBody,
        response: { 200: ErasureSchema },
      },
      config: { access: { staff: ["owner"] } },
    },
    async (request, reply) => {
      const principal = request.principal;
      const actor = principal ? actorOf(principal) : "unknown";
      return command(request, reply, 200, async (tx) => {
        const result = await eraseMember(
          tx,
          tenantOf(request),
          request.params.member_id,
          { reason: request.body.reason, actor },
          now(),
        );
        return serializeErasure(result.erasure, result.already_erased);
      });
    },
  );

  app.get(
    "/v1/audit-log",
    {
      schema: {
        tags: ["privacy"],
        summary: "Who read or changed members' data, newest first",
        description:
          "Every request by staff or an API key that read or changed a member's data (member routes, search, " +
          "lookup, segment exports), with its outcome, and actions recorded by capabilities (points adjustments).",
        querystring: AuditQuery,
        response: { 200: AuditPage },
      },
      config: { access: { staff: HQ_ROLES } },
    },
    async (request) => {
      const { limit = PAGE_LIMIT_DEFAULT, cursor, from, to, ...filter } = request.query;
      const page = await listAuditLog(
        db,
        tenantOf(request),
        { ...filter, from: instant(from, "/from"), to: instant(to, "/to") },
        { limit, before: decodeCursor(cursor) },
      );
      return { items: page.items.map(serializeAuditEntry), next_cursor: page.next_cursor };
    },
  );
};
