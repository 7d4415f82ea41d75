import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf, HQ_ROLES, type Principal, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../platform/http/pagination.ts";
import { notFound, Problem } from "../platform/http/problems.ts";
import { mergeMembers } from "./merge.ts";
import { maskPhone } from "./rules.ts";
import { JoinBody, MemberIdParams, MemberSchema, MemberStatusSchema, ProfilePatchBody } from "./schemas.ts";
import {
  findMember,
  getMember,
  joinMember,
  listIdentities,
  listMembers,
  type Member,
  memberTimeline,
  updateMember,
} from "./service.ts";

/** Store staff see masked phone numbers in lists; HQ, integrators and the member see them whole. */
function seesFullPhone(principal: Principal | undefined): boolean {
  return principal?.kind !== "staff" || HQ_ROLES.includes(principal.role);
}

export function serializeMember(
  member: Member,
  options: { maskPhone?: boolean; identities?: { kind: string; value: string }[] } = {},
) {
  return {
    ...member,
    phone: options.maskPhone ? maskPhone(member.phone) : member.phone,
    joined_at: member.joined_at.toISOString(),
    created_at: member.created_at.toISOString(),
    updated_at: member.updated_at.toISOString(),
    ...(options.identities ? { identities: options.identities } : {}),
  };
}

const TimelineEntrySchema = Type.Object({
  event_id: Type.String(),
  type: Type.String({ examples: ["member.joined", "points.earned", "tier.changed"] }),
  occurred_at: Type.String({ format: "date-time" }),
  payload: Type.Record(Type.String(), Type.Unknown()),
});

export const memberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const staffAndKeys = { apiKey: "read", staff: "all" } as const;

  app.post(
    "/v1/members",
    {
      schema: {
        tags: ["members"],
        summary: "Open a member card",
        description:
          "A phone already held by a member is a 409 naming `existing_member_id`. A phone held by a prospect " +
          "(known from an order, never joined) turns that prospect into the member.",
        body: JoinBody,
        response: { 201: MemberSchema },
      },
      config: { access: { apiKey: "write", staff: "all" } },
    },
    async (request, reply) => {
      const principal = request.principal;
      const input = { ...request.body };
      // Store staff open cards for their own store; a guide's members are their own.
      if (principal?.kind === "staff" && principal.role === "guide") input.guide_id ??= principal.staffId;
      return command(request, reply, 201, async (tx) => {
        const member = await joinMember(tx, tenantOf(request), input, now());
        return serializeMember(member, {
          identities: await listIdentities(tx, tenantOf(request), member.member_id),
        });
      });
    },
  );

  app.get(
    "/v1/members",
    {
      schema: {
        tags: ["members"],
        summary: "List members in the caller's scope",
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(MemberStatusSchema),
            store_id: Type.Optional(Type.String({ maxLength: 64 })),
            guide_id: Type.Optional(Type.String({ maxLength: 64 })),
            q: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 100,
                description: "name prefix, phone digits or card number",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(MemberSchema) },
      },
      config: { access: staffAndKeys },
    },
    async (request) => {
      const { limit = PAGE_LIMIT_DEFAULT, cursor, ...filter } = request.query;
      const page = await listMembers(
        db,
        tenantOf(request),
        filter,
        { limit, after: decodeCursor(cursor) },
        request.principal,
      );
      const mask = !seesFullPhone(request.principal);
      return {
        items: page.items.map((m) => serializeMember(m, { maskPhone: mask })),
        next_cursor: page.next_cursor,
      };
    },
  );

  app.get(
    "/v1/members/lookup",
    {
      schema: {
        tags: ["members"],
        summary: "Find one member by phone, card number or an external identity",
        querystring: Type.Object(
          {
            phone: Type.Optional(Type.String({ maxLength: 32 })),
            card_no: Type.Optional(Type.String({ maxLength: 32 })),
            identity_kind: Type.Optional(Type.String({ maxLength: 40 })),
            identity_value: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: MemberSchema },
      },
      config: { access: staffAndKeys },
    },
    async (request) => {
      const q = request.query;
      const key = q.phone
        ? { phone: q.phone }
        : q.card_no
          ? { card_no: q.card_no }
          : q.identity_kind && q.identity_value
            ? { identity: { kind: q.identity_kind, value: q.identity_value } }
            : undefined;
      if (!key) {
        throw new Problem("validation-failed", "give phone, card_no, or identity_kind with identity_value", {
          errors: [{ in: "query", field: "/phone", message: "one lookup key is required" }],
        });
      }
      const member = await findMember(db, tenantOf(request), key, request.principal);
      if (!member) throw notFound("member");
      return serializeMember(member, {
        identities: await listIdentities(db, tenantOf(request), member.member_id),
      });
    },
  );

  app.get(
    "/v1/members/:member_id",
    {
      schema: {
        tags: ["members"],
        summary: "A member's profile",
        params: MemberIdParams,
        response: { 200: MemberSchema },
      },
      config: { access: staffAndKeys },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const member = await getMember(db, tenantId, request.params.member_id, request.principal);
      return serializeMember(member, { identities: await listIdentities(db, tenantId, member.member_id) });
    },
  );

  app.patch(
    "/v1/members/:member_id",
    {
      schema: {
        tags: ["members"],
        summary: "Update a member's profile or consent",
        params: MemberIdParams,
        body: ProfilePatchBody,
        response: { 200: MemberSchema },
      },
      config: { access: { apiKey: "write", staff: "all" } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeMember(
          await updateMember(
            tx,
            tenantOf(request),
            request.params.member_id,
            request.body,
            now(),
            request.principal,
          ),
        ),
      ),
  );

  app.get(
    "/v1/members/:member_id/timeline",
    {
      schema: {
        tags: ["members"],
        summary: "Everything that happened to a member, newest first",
        params: MemberIdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(TimelineEntrySchema) },
      },
      config: { access: staffAndKeys },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      const page = await memberTimeline(db, tenantId, request.params.member_id, {
        limit: request.query.limit ?? PAGE_LIMIT_DEFAULT,
        before: decodeCursor(request.query.cursor),
      });
      return {
        items: page.items.map((e) => ({ ...e, occurred_at: e.occurred_at.toISOString() })),
        next_cursor: page.next_cursor,
      };
    },
  );

  app.post(
    "/v1/members/:member_id/merge",
    {
      schema: {
        tags: ["members"],
        summary: "Merge another record of the same person into this member",
        description:
          "The member in the path survives and takes the other's identities, orders, points and growth. The other becomes `merged` and keeps pointing here, so its id, phone and identities still find the survivor.",
        params: MemberIdParams,
        body: Type.Object(
          { member_id: Type.String({ minLength: 1, maxLength: 64, description: "The record to absorb" }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ member: MemberSchema, orders_moved: Type.Integer() }) },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const principal = request.principal;
      return command(request, reply, 200, async (tx) => {
        const result = await mergeMembers(
          tx,
          tenantOf(request),
          request.params.member_id,
          request.body.member_id,
          principal ? actorOf(principal) : "unknown",
          now(),
        );
        return { member: serializeMember(result.survivor), orders_moved: result.orders_moved };
      });
    },
  );

  // ——— the member's own view (member center) ———

  app.get(
    "/v1/me",
    {
      schema: {
        tags: ["member center"],
        summary: "The signed-in member's profile",
        response: { 200: MemberSchema },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const principal = request.principal;
      if (principal?.kind !== "member") throw new Problem("forbidden");
      const member = await getMember(db, principal.tenantId, principal.memberId);
      return serializeMember(member);
    },
  );

  app.patch(
    "/v1/me",
    {
      schema: {
        tags: ["member center"],
        summary: "The member updates their own profile and consent",
        body: ProfilePatchBody,
        response: { 200: MemberSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind !== "member") throw new Problem("forbidden");
      const { attributes: _ignored, ...patch } = request.body;
      return command(request, reply, 200, async (tx) =>
        serializeMember(await updateMember(tx, principal.tenantId, principal.memberId, patch, now())),
      );
    },
  );
};
