import { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { command } from "../../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../../platform/http/pagination.ts";
import { RFM_GROUPS, STAGES } from "../conditions/fields.ts";
import { conditionGuard } from "../conditions/http.ts";
import { parseConditionOrThrow } from "../conditions/parse.ts";
import { ConditionSchema } from "../conditions/schema.ts";
import { assertTagsExist } from "../tags/catalog.ts";
import { Name } from "../tags/schemas.ts";
import { segmentCsv } from "./export.ts";
import {
  type AudienceMember,
  boundedRead,
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  PREVIEW_LIMIT_MAX,
  previewCondition,
  type Segment,
  segmentMembers,
  updateSegment,
} from "./service.ts";

const SegmentIdParams = Type.Object({ segment_id: Type.String({ minLength: 1, maxLength: 64 }) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const SegmentSchema = Type.Object({
  segment_id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  condition: Type.Record(Type.String(), Type.Unknown(), {
    description: "The condition as saved (see the request schema)",
  }),
  topics: Type.Array(Type.String(), {
    description: "What the condition reads; a member's change to one re-evaluates them",
  }),
  member_count: Type.Integer({ description: "Members in the stored membership" }),
  evaluated_at: Nullable(Type.String({ format: "date-time" })),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

const AudienceMemberSchema = Type.Object({
  member_id: Type.String(),
  stage: Nullable(Type.Enum(STAGES)),
  rfm_group: Nullable(Type.Enum(RFM_GROUPS)),
  orders_count: Type.Integer(),
  spend_minor: Type.Integer(),
  last_order_at: Nullable(Type.String({ format: "date-time" })),
});

const serializeSegment = (s: Segment) => ({
  ...s,
  evaluated_at: s.evaluated_at?.toISOString() ?? null,
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
});
const serializeMember = (m: AudienceMember) => ({
  ...m,
  last_order_at: m.last_order_at?.toISOString() ?? null,
});

export const segmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const database = app.platform.database;
  const { db } = database;
  const now = () => app.platform.clock.now();
  const read = { apiKey: "read", staff: "all" } as const;
  const configure = { apiKey: "write", staff: HQ_ROLES } as const;

  app.get(
    "/v1/audience/segments",
    {
      schema: {
        tags: ["audience"],
        summary: "Saved segments",
        response: { 200: Type.Object({ items: Type.Array(SegmentSchema) }) },
      },
      config: { access: read },
    },
    async (request) => ({ items: (await listSegments(db, tenantOf(request))).map(serializeSegment) }),
  );

  app.post(
    "/v1/audience/segments",
    {
      preValidation: conditionGuard("condition"),
      schema: {
        tags: ["audience"],
        summary: "Save a segment; its membership is filled at once",
        description:
          "Members already matching are its baseline: no segment.entered events for them. Afterwards, members entering and leaving " +
          "(by the nightly recompute, or within a minute of their own changes) are segment.entered / segment.left events.",
        body: Type.Object(
          { name: Name(100), description: Type.Optional(Name(500)), condition: ConditionSchema },
          { additionalProperties: false },
        ),
        response: { 201: SegmentSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serializeSegment(await createSegment(tx, tenantOf(request), request.body, now())),
      ),
  );

  app.post(
    "/v1/audience/segments/preview",
    {
      preValidation: conditionGuard("condition"),
      schema: {
        tags: ["audience"],
        summary: "Count and list the members a condition matches now, without saving it",
        body: Type.Object(
          {
            condition: ConditionSchema,
            limit: Type.Optional(Type.Integer({ minimum: 0, maximum: PREVIEW_LIMIT_MAX, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ count: Type.Integer(), members: Type.Array(AudienceMemberSchema) }) },
      },
      // Reads only, though it is a POST (a condition does not fit in a URL): read keys and every staff role may preview.
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const condition = parseConditionOrThrow(request.body.condition, "/condition");
      await assertTagsExist(db, tenantId, condition);
      const result = await boundedRead(database, (tx) =>
        previewCondition(tx, tenantId, condition, request.body.limit ?? 20, now(), request.principal),
      );
      return { count: result.count, members: result.members.map(serializeMember) };
    },
  );

  app.get(
    "/v1/audience/segments/:segment_id",
    {
      schema: {
        tags: ["audience"],
        summary: "One segment",
        params: SegmentIdParams,
        response: { 200: SegmentSchema },
      },
      config: { access: read },
    },
    async (request) => serializeSegment(await getSegment(db, tenantOf(request), request.params.segment_id)),
  );

  app.patch(
    "/v1/audience/segments/:segment_id",
    {
      preValidation: conditionGuard("condition"),
      schema: {
        tags: ["audience"],
        summary: "Rename a segment or change its condition (a new baseline: no events for the change itself)",
        params: SegmentIdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name(100)),
            description: Type.Optional(Nullable(Name(500))),
            condition: Type.Optional(ConditionSchema),
          },
          { additionalProperties: false },
        ),
        response: { 200: SegmentSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeSegment(
          await updateSegment(tx, tenantOf(request), request.params.segment_id, request.body, now()),
        ),
      ),
  );

  app.delete(
    "/v1/audience/segments/:segment_id",
    {
      schema: {
        tags: ["audience"],
        summary: "Delete a segment",
        params: SegmentIdParams,
        response: { 204: Type.Null() },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 204, async (tx) => {
        await deleteSegment(tx, tenantOf(request), request.params.segment_id);
        return null;
      }),
  );

  app.get(
    "/v1/audience/segments/:segment_id/count",
    {
      schema: {
        tags: ["audience"],
        summary: "Live count: members matching the segment's condition now, within your scope",
        params: SegmentIdParams,
        response: {
          200: Type.Object({
            count: Type.Integer(),
            stored: Type.Integer({ description: "Members in the stored membership (brand-wide)" }),
          }),
        },
      },
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const segment = await getSegment(db, tenantId, request.params.segment_id);
      const condition = parseConditionOrThrow(segment.condition, "/condition");
      const result = await boundedRead(database, (tx) =>
        previewCondition(tx, tenantId, condition, 0, now(), request.principal),
      );
      return { count: result.count, stored: segment.member_count };
    },
  );

  app.get(
    "/v1/audience/segments/:segment_id/members",
    {
      schema: {
        tags: ["audience"],
        summary: "The segment's stored members, within your scope",
        params: SegmentIdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: PageOf(
            Type.Object({
              ...AudienceMemberSchema.properties,
              entered_at: Type.String({ format: "date-time" }),
            }),
          ),
        },
      },
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getSegment(db, tenantId, request.params.segment_id);
      const page = await segmentMembers(
        db,
        tenantId,
        request.params.segment_id,
        { limit: request.query.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(request.query.cursor) },
        request.principal,
      );
      return {
        items: page.items.map((m) => ({ ...serializeMember(m), entered_at: m.entered_at.toISOString() })),
        next_cursor: page.next_cursor,
      };
    },
  );

  app.get(
    "/v1/audience/segments/:segment_id/export",
    {
      schema: {
        tags: ["audience"],
        summary:
          "The segment's members as CSV (member_id, card_no, phone, name, stage, entered_at), streamed",
        description: "Store staff get masked phones and only members in their scope.",
        params: SegmentIdParams,
        produces: ["text/csv"],
      },
      config: { access: read },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const segment = await getSegment(db, tenantId, request.params.segment_id);
      reply.header("content-disposition", `attachment; filename="${segment.segment_id}.csv"`);
      return reply
        .type("text/csv; charset=utf-8")
        .send(Readable.from(segmentCsv(db, tenantId, segment.segment_id, request.principal)));
    },
  );
};
