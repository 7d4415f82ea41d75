import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { MemberIdParams } from "../../members/schemas.ts";
import { getMember } from "../../members/service.ts";
import { actorOf, HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { command } from "../../platform/http/command.ts";
import { Problem } from "../../platform/http/problems.ts";
import { conditionGuard } from "../conditions/http.ts";
import {
  createTag,
  createTagGroup,
  deleteTag,
  getTag,
  listTagGroups,
  listTags,
  type Tag,
  tagMemberCounts,
  updateTag,
} from "./catalog.ts";
import { forgetKeywordMatcher, ingestChatMessages } from "./chat.ts";
import { MAX_MESSAGE_LENGTH } from "./keywords.ts";
import {
  BulkResultSchema,
  BulkTagBody,
  BulkUntagBody,
  CsvTagBody,
  MemberTagSchema,
  TagCreateBody,
  TagGroupBody,
  TagGroupSchema,
  TagKindSchema,
  TagPatchBody,
  TagSchema,
} from "./schemas.ts";
import { memberTags, tagByCsv, tagMembers, untagMembers } from "./tagging.ts";

const TagIdParams = Type.Object({ tag_id: Type.String({ minLength: 1, maxLength: 64 }) });
const MAX_CHAT_MESSAGES = 500;

const MemberRefSchema = Type.Union([
  Type.Object({ member_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  Type.Object({ phone: Type.String({ minLength: 3, maxLength: 32 }) }, { additionalProperties: false }),
  Type.Object(
    {
      identity: Type.Object(
        {
          kind: Type.String({ minLength: 1, maxLength: 40 }),
          value: Type.String({ minLength: 1, maxLength: 200 }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

const ChatBody = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: "^[a-z0-9_.-]+$",
      description: "The chat tool, e.g. wecom; with external_id it identifies a message",
    }),
    messages: Type.Array(
      Type.Object(
        {
          external_id: Type.String({ minLength: 1, maxLength: 128 }),
          member: MemberRefSchema,
          text: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH, pattern: "^[^\\u0000]*$" }),
          sent_at: Type.String({ format: "date-time" }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_CHAT_MESSAGES },
    ),
  },
  { additionalProperties: false },
);

export const tagRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const read = { apiKey: "read", staff: "all" } as const;
  const configure = { apiKey: "write", staff: HQ_ROLES } as const;
  // Guides and store staff tag their own members; integrators script tagging with write keys.
  const tagging = { apiKey: "write", staff: "all" } as const;

  const serializeTag = (t: Tag, members: number) => ({
    ...t,
    definition: t.definition as Record<string, unknown>,
    members,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
  });

  app.get(
    "/v1/audience/tag-groups",
    {
      schema: {
        tags: ["audience"],
        summary: "Tag groups (dimensions)",
        response: { 200: Type.Object({ items: Type.Array(TagGroupSchema) }) },
      },
      config: { access: read },
    },
    async (request) => ({
      items: (await listTagGroups(db, tenantOf(request))).map((g) => ({
        ...g,
        created_at: g.created_at.toISOString(),
      })),
    }),
  );

  app.post(
    "/v1/audience/tag-groups",
    {
      schema: {
        tags: ["audience"],
        summary: "Add a tag group",
        body: TagGroupBody,
        response: { 201: TagGroupSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const group = await createTagGroup(tx, tenantOf(request), request.body, now());
        return { ...group, created_at: group.created_at.toISOString() };
      }),
  );

  app.get(
    "/v1/audience/tags",
    {
      schema: {
        tags: ["audience"],
        summary: "Tags, with how many members hold each",
        querystring: Type.Object(
          { group_id: Type.Optional(Type.String({ maxLength: 64 })), kind: Type.Optional(TagKindSchema) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(TagSchema) }) },
      },
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const counts = await tagMemberCounts(db, tenantId, now());
      const tags = await listTags(db, tenantId, {
        group_id: request.query.group_id,
        kind: request.query.kind,
      });
      return { items: tags.map((t) => serializeTag(t, counts.get(t.tag_id) ?? 0)) };
    },
  );

  app.post(
    "/v1/audience/tags",
    {
      preValidation: conditionGuard("condition"),
      schema: {
        tags: ["audience"],
        summary: "Add a tag: manual, rule (a condition), product lifecycle, scene or keyword",
        description:
          "Each kind needs its own fields: rule → condition (may not name other rule tags); product_lifecycle → stage and " +
          "products (used_up needs cycle_days); scene → scene_keys; keyword → keywords (plain text, at most 100 of 1–50 " +
          "characters). Rule, product and scene tags are applied at the next recompute.",
        body: TagCreateBody,
        response: { 201: TagSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const tag = await createTag(tx, tenantOf(request), request.body, now());
        if (tag.kind === "keyword") forgetKeywordMatcher(tenantOf(request));
        return serializeTag(tag, 0);
      }),
  );

  app.get(
    "/v1/audience/tags/:tag_id",
    {
      schema: { tags: ["audience"], summary: "One tag", params: TagIdParams, response: { 200: TagSchema } },
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const tag = await getTag(db, tenantId, request.params.tag_id);
      return serializeTag(tag, (await tagMemberCounts(db, tenantId, now())).get(tag.tag_id) ?? 0);
    },
  );

  app.patch(
    "/v1/audience/tags/:tag_id",
    {
      preValidation: conditionGuard("condition"),
      schema: {
        tags: ["audience"],
        summary: "Rename a tag or change its definition or expiry (the kind stays)",
        params: TagIdParams,
        body: TagPatchBody,
        response: { 200: TagSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const tag = await updateTag(tx, tenantOf(request), request.params.tag_id, request.body, now());
        forgetKeywordMatcher(tenantOf(request));
        return serializeTag(tag, (await tagMemberCounts(tx, tenantOf(request), now())).get(tag.tag_id) ?? 0);
      }),
  );

  app.delete(
    "/v1/audience/tags/:tag_id",
    {
      schema: {
        tags: ["audience"],
        summary: "Delete a tag (409 while a segment or rule tag names it)",
        params: TagIdParams,
        response: { 204: Type.Null() },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 204, async (tx) => {
        await deleteTag(tx, tenantOf(request), request.params.tag_id);
        forgetKeywordMatcher(tenantOf(request));
        return null;
      }),
  );

  app.post(
    "/v1/audience/tags/:tag_id/members",
    {
      schema: {
        tags: ["audience"],
        summary: "Tag members (up to 1,000); staff tag only members in their scope",
        description:
          "Members that do not exist or are outside your scope are listed in not_found; the others are tagged. Rule and product tags cannot be given by hand (422).",
        params: TagIdParams,
        body: BulkTagBody,
        response: { 200: BulkResultSchema },
      },
      config: { access: tagging },
    },
    async (request, reply) => {
      const principal = request.principal;
      return command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const tag = await getTag(tx, tenantId, request.params.tag_id);
        const expires = request.body.expires_at === undefined ? undefined : new Date(request.body.expires_at);
        return tagMembers(
          tx,
          tenantId,
          tag,
          request.body.member_ids,
          {
            expires_at: expires,
            source: principal?.kind === "api_key" ? "api" : "manual",
            actor: principal ? actorOf(principal) : "unknown",
          },
          now(),
          principal,
        );
      });
    },
  );

  app.post(
    "/v1/audience/tags/:tag_id/members/csv",
    {
      schema: {
        tags: ["audience"],
        summary: "Tag the members a CSV names (member_id, phone or card_no; optional expires_at)",
        description:
          "A malformed file is a 400 naming the line (field /csv/<line>) and tags nobody; members not found or out of scope are listed.",
        params: TagIdParams,
        body: CsvTagBody,
        response: { 200: BulkResultSchema },
      },
      config: { access: tagging },
    },
    async (request, reply) => {
      const principal = request.principal;
      return command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const tag = await getTag(tx, tenantId, request.params.tag_id);
        return tagByCsv(
          tx,
          tenantId,
          tag,
          request.body.csv,
          principal ? actorOf(principal) : "unknown",
          now(),
          principal,
        );
      });
    },
  );

  app.post(
    "/v1/audience/tags/:tag_id/members/remove",
    {
      schema: {
        tags: ["audience"],
        summary: "Untag members (up to 1,000) in your scope",
        params: TagIdParams,
        body: BulkUntagBody,
        response: { 200: Type.Object({ untagged: Type.Integer(), not_found: Type.Array(Type.String()) }) },
      },
      config: { access: tagging },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const tag = await getTag(tx, tenantId, request.params.tag_id);
        return untagMembers(tx, tenantId, tag, request.body.member_ids, now(), request.principal);
      }),
  );

  app.get(
    "/v1/members/:member_id/tags",
    {
      schema: {
        tags: ["audience"],
        summary: "The tags a member holds, with source, time and expiry",
        params: MemberIdParams,
        response: { 200: Type.Object({ items: Type.Array(MemberTagSchema) }) },
      },
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      const items = await memberTags(db, tenantId, request.params.member_id, now());
      return {
        items: items.map((t) => ({
          ...t,
          tagged_at: t.tagged_at.toISOString(),
          expires_at: t.expires_at?.toISOString() ?? null,
        })),
      };
    },
  );

  app.post(
    "/v1/audience/chat-messages",
    {
      schema: {
        tags: ["audience"],
        summary: "Chat messages from any chat tool: members are tagged by the keywords they mention",
        description: `Up to ${MAX_CHAT_MESSAGES} messages of at most ${MAX_MESSAGE_LENGTH} characters. The same source + external_id again is a duplicate and tags nothing. Message text is not stored.`,
        body: ChatBody,
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                external_id: Type.String(),
                status: Type.Union([
                  Type.Literal("tagged"),
                  Type.Literal("no_match"),
                  Type.Literal("duplicate"),
                  Type.Literal("unknown_member"),
                ]),
                member_id: Type.Union([Type.String(), Type.Null()]),
                tag_ids: Type.Array(Type.String()),
              }),
            ),
          }),
        },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const body = request.body;
      const ids = new Set<string>();
      body.messages.forEach((m, i) => {
        if (ids.has(m.external_id))
          throw new Problem("validation-failed", `external_id ${m.external_id} appears twice`, {
            errors: [
              { in: "body", field: `/messages/${i}/external_id`, message: "appears twice in this request" },
            ],
          });
        ids.add(m.external_id);
      });
      return command(request, reply, 200, async (tx) => ({
        results: await ingestChatMessages(
          tx,
          tenantOf(request),
          body.source,
          body.messages.map((m) => ({ ...m, sent_at: new Date(m.sent_at) })),
          now(),
        ),
      }));
    },
  );
};
