import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember } from "../members/service.ts";
import { type Principal, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { notFound, Problem } from "../platform/http/problems.ts";
import { assignMember, handOver, type Handover, listHandovers, memberAssignments } from "./assignments.ts";
import { findStaffPlacement, isWithin, scopePathOf } from "./staff.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Id = Type.String({ minLength: 1, maxLength: 64 });
const MANAGERS = ["owner", "hq_operator", "region_manager", "store_manager"] as const;

const AssignmentSchema = Type.Object(
  {
    assignment_id: Type.String(),
    from_guide_id: Nullable(Type.String()),
    to_guide_id: Nullable(Type.String()),
    from_store_id: Nullable(Type.String()),
    to_store_id: Nullable(Type.String()),
    handover_id: Nullable(Type.String()),
    actor: Type.String(),
    at: Type.String({ format: "date-time" }),
  },
  { $id: "MemberAssignment" },
);
const HandoverSchema = Type.Object(
  {
    handover_id: Type.String(),
    from_guide_id: Type.String(),
    to_guide_id: Nullable(Type.String()),
    to_store_id: Nullable(Type.String({ description: "The store whose pool received the members" })),
    members_moved: Type.Integer(),
    actor: Type.String(),
    at: Type.String({ format: "date-time" }),
  },
  { $id: "GuideHandover" },
);
const serializeHandover = (h: Handover) => ({ ...h, at: h.at.toISOString() });

function principalOf(request: { principal?: Principal | undefined }): Principal {
  if (!request.principal) throw new Problem("unauthenticated");
  return request.principal;
}

export const assignmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.post(
    "/v1/members/:member_id/assignment",
    {
      schema: {
        tags: ["organisation"],
        summary: "Give a member another guide or home store",
        description:
          "Managers move members within their own subtree. A new guide without `home_store_id` brings the member " +
          "to that guide's store; `guide_id: null` leaves the member in the store's pool. Answers the move made " +
          "(`moved: false` when the member was already placed so).",
        params: Type.Object({ member_id: Id }),
        body: Type.Object(
          { guide_id: Type.Optional(Nullable(Id)), home_store_id: Type.Optional(Id) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            moved: Type.Boolean(),
            member_id: Type.String(),
            guide_id: Nullable(Type.String()),
            home_store_id: Nullable(Type.String()),
          }),
        },
      },
      config: { access: { apiKey: "write", staff: MANAGERS } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const principal = principalOf(request);
        const moved = await assignMember(
          tx,
          tenantId,
          request.params.member_id,
          request.body,
          principal,
          now(),
        );
        const member = await getMember(tx, tenantId, request.params.member_id);
        return {
          moved: moved !== undefined,
          member_id: member.member_id,
          guide_id: member.guide_id,
          home_store_id: member.home_store_id,
        };
      }),
  );

  app.get(
    "/v1/members/:member_id/assignments",
    {
      schema: {
        tags: ["organisation"],
        summary: "A member's history of guides and home stores, newest first",
        params: Type.Object({ member_id: Id }),
        response: { 200: Type.Object({ items: Type.Array(AssignmentSchema) }) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      const rows = await memberAssignments(db, tenantId, request.params.member_id);
      return { items: rows.map((r) => ({ ...r, at: r.at.toISOString() })) };
    },
  );

  app.post(
    "/v1/guides/:staff_id/handover",
    {
      schema: {
        tags: ["organisation"],
        summary: "Hand all of a guide's members to another guide, or to the store's pool",
        description:
          "For a guide who leaves or changes role. Without `to_guide_id` the members stay in their stores with no " +
          "guide (the store pool). The guide's channel codes pass to the receiving guide. Disable the account separately.",
        params: Type.Object({ staff_id: Id }),
        body: Type.Object({ to_guide_id: Type.Optional(Id) }, { additionalProperties: false }),
        response: { 201: HandoverSchema },
      },
      config: { access: { apiKey: "write", staff: MANAGERS } },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serializeHandover(
          await handOver(
            tx,
            tenantOf(request),
            request.params.staff_id,
            request.body,
            principalOf(request),
            now(),
          ),
        ),
      ),
  );

  app.get(
    "/v1/guides/:staff_id/handovers",
    {
      schema: {
        tags: ["organisation"],
        summary: "Handovers from and to a guide, newest first",
        params: Type.Object({ staff_id: Id }),
        response: { 200: Type.Object({ items: Type.Array(HandoverSchema) }) },
      },
      config: { access: { apiKey: "read", staff: MANAGERS } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const guide = await findStaffPlacement(db, tenantId, request.params.staff_id);
      if (!guide || !isWithin(guide.org_path, scopePathOf(request.principal)))
        throw notFound("guide", request.params.staff_id);
      return { items: (await listHandovers(db, tenantId, guide.staff_id)).map(serializeHandover) };
    },
  );
};
