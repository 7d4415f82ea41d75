import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember } from "../members/service.ts";
import { getOrgUnit } from "../org/service.ts";
import { findStaffPlacement } from "../org/staff.ts";
import { actorOf, type Principal, tenantOf } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../platform/http/pagination.ts";
import { Problem } from "../platform/http/problems.ts";
import { render, variablesOf } from "./rules.ts";
import {
  categories,
  countUse,
  createReply,
  deleteReply,
  getReply,
  type QuickReply,
  searchReplies,
  updateReply,
} from "./service.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const ReplyIdParams = Type.Object({ reply_id: Type.String({ minLength: 1, maxLength: 64 }) });
const Category = Type.String({ minLength: 1, maxLength: 60, examples: ["售后", "活动", "greeting"] });
const Title = Type.String({ minLength: 1, maxLength: 100 });
const Body = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: "Text with variables such as {{member_name}}, {{guide_name}}, {{store_name}}, {{card_no}}",
});

const ReplySchema = Type.Object(
  {
    reply_id: Type.String(),
    shared: Type.Boolean({ description: "Shared by HQ with everyone; otherwise the owner's own" }),
    owner_staff_id: Nullable(Type.String()),
    category: Type.String(),
    title: Type.String(),
    body: Type.String(),
    variables: Type.Array(Type.String()),
    use_count: Type.Integer(),
    created_at: Type.String({ format: "date-time" }),
    updated_at: Type.String({ format: "date-time" }),
  },
  { $id: "QuickReply" },
);

const serialize = (r: QuickReply) => ({
  reply_id: r.reply_id,
  shared: r.owner_staff_id === null,
  owner_staff_id: r.owner_staff_id,
  category: r.category,
  title: r.title,
  body: r.body,
  variables: variablesOf(r.body),
  use_count: r.use_count,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

function principalOf(request: { principal?: Principal | undefined }): Principal {
  if (!request.principal) throw new Problem("unauthenticated");
  return request.principal;
}

/** The values a script can use about a member and the person answering. */
async function valuesFor(
  db: Executor,
  tenantId: string,
  memberId: string | undefined,
  principal: Principal,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  if (principal.kind === "staff") {
    const me = await findStaffPlacement(db, tenantId, principal.staffId);
    if (me) values.staff_name = me.name;
  }
  if (memberId === undefined) return values;
  const member = await getMember(db, tenantId, memberId, principal);
  values.card_no = member.card_no;
  if (member.name) values.member_name = member.name;
  if (member.guide_id) {
    const guide = await findStaffPlacement(db, tenantId, member.guide_id);
    if (guide) values.guide_name = guide.name;
  }
  if (member.home_store_id) {
    const store = await getOrgUnit(db, tenantId, member.home_store_id).catch(() => undefined);
    if (store) values.store_name = store.name;
  }
  return values;
}

export const replyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const everyone = { apiKey: "read", staff: "all" } as const;
  const writers = { apiKey: "write", staff: "all" } as const;

  app.post(
    "/v1/quick-replies",
    {
      schema: {
        tags: ["quick replies"],
        summary: "Add a reply script: shared by HQ with everyone, or your own",
        description:
          "`shared` defaults to true for HQ and integrators, false for everyone else (who may not share).",
        body: Type.Object(
          { category: Category, title: Title, body: Body, shared: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 201: ReplySchema },
      },
      config: { access: writers },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const principal = principalOf(request);
        return serialize(
          await createReply(tx, tenantOf(request), request.body, principal, actorOf(principal), now()),
        );
      }),
  );

  app.get(
    "/v1/quick-replies",
    {
      schema: {
        tags: ["quick replies"],
        summary: "Search the library (shared and your own), most used first",
        querystring: Type.Object(
          {
            ...PageQuery,
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "In title or body" })),
            category: Type.Optional(Category),
            mine_only: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(ReplySchema) },
      },
      config: { access: everyone },
    },
    async (request) => {
      const { limit = PAGE_LIMIT_DEFAULT, cursor, ...filter } = request.query;
      const page = await searchReplies(
        db,
        tenantOf(request),
        filter,
        { limit, after: decodeCursor(cursor) },
        request.principal,
      );
      return { items: page.items.map(serialize), next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/v1/quick-replies/categories",
    {
      schema: {
        tags: ["quick replies"],
        summary: "Categories of the library the caller sees, with counts",
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ category: Type.String(), replies: Type.Integer() })),
          }),
        },
      },
      config: { access: everyone },
    },
    async (request) => ({ items: await categories(db, tenantOf(request), request.principal) }),
  );

  app.patch(
    "/v1/quick-replies/:reply_id",
    {
      schema: {
        tags: ["quick replies"],
        summary: "Change a reply (your own, or a shared one as HQ)",
        params: ReplyIdParams,
        body: Type.Object(
          { category: Type.Optional(Category), title: Type.Optional(Title), body: Type.Optional(Body) },
          { additionalProperties: false },
        ),
        response: { 200: ReplySchema },
      },
      config: { access: writers },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serialize(
          await updateReply(
            tx,
            tenantOf(request),
            request.params.reply_id,
            request.body,
            principalOf(request),
            now(),
          ),
        ),
      ),
  );

  app.delete(
    "/v1/quick-replies/:reply_id",
    {
      schema: { tags: ["quick replies"], summary: "Remove a reply", params: ReplyIdParams },
      config: { access: writers },
    },
    async (request, reply) => {
      await command(request, reply, 204, async (tx) => {
        await deleteReply(tx, tenantOf(request), request.params.reply_id, principalOf(request));
        return null;
      });
      return reply.send();
    },
  );

  app.post(
    "/v1/quick-replies/:reply_id/use",
    {
      schema: {
        tags: ["quick replies"],
        summary: "Fill a reply for a conversation (chat sidebar) and count the use",
        description:
          "Fills {{member_name}}, {{card_no}}, {{guide_name}}, {{store_name}} from `member_id` (a member in your " +
          "scope), {{staff_name}} from you, and anything in `variables`. Variables left without a value stay in the " +
          "text and are listed in `missing`.",
        params: ReplyIdParams,
        body: Type.Object(
          {
            member_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            variables: Type.Optional(
              Type.Record(
                Type.String({ pattern: "^[a-z][a-z0-9_]{0,39}$" }),
                Type.String({ maxLength: 500 }),
                {
                  maxProperties: 20,
                },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            reply_id: Type.String(),
            text: Type.String(),
            missing: Type.Array(Type.String()),
            use_count: Type.Integer(),
          }),
        },
      },
      config: { access: writers },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const principal = principalOf(request);
        const script = await getReply(tx, tenantId, request.params.reply_id, principal);
        const values = {
          ...(await valuesFor(tx, tenantId, request.body.member_id, principal)),
          ...request.body.variables,
        };
        const filled = render(script.body, values);
        return {
          reply_id: script.reply_id,
          ...filled,
          use_count: await countUse(tx, tenantId, script.reply_id),
        };
      }),
  );
};
