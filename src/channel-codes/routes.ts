import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { DateTime } from "luxon";
import { Type } from "typebox";
import { type Principal, tenantOf } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../platform/http/pagination.ts";
import { invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { findTenantBySlug, getTenant } from "../tenants/service.ts";
import { joinUrl, QR_SIZE_MAX_PX, QR_SIZE_MIN_PX, qrPng, qrSvg } from "./qr.ts";
import {
  type ChannelCode,
  createCode,
  findCodeByScene,
  getCode,
  listCodes,
  MAX_TAGS_PER_CODE,
  updateCode,
} from "./service.ts";
import { bump, codeDays, type CodeTotals, codeTotals } from "./stats.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const KindSchema = Type.Union([Type.Literal("store"), Type.Literal("guide"), Type.Literal("campaign")]);
const CodeIdParams = Type.Object({ code_id: Type.String({ minLength: 1, maxLength: 64 }) });
const SceneKey = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" });
const TagIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_TAGS_PER_CODE });
const CouponCode = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "A coupon template or pack code, issued once to each member who joins through the code",
});
const DateString = Type.String({ format: "date" });
const MAX_DAYS = 366;

const StatsSchema = Type.Object({
  scans: Type.Integer(),
  joins: Type.Integer(),
  first_orders: Type.Integer({ description: "Members who joined through the code and have ordered" }),
});
const ChannelCodeSchema = Type.Object(
  {
    code_id: Type.String(),
    scene_key: Type.String(),
    name: Type.String(),
    kind: KindSchema,
    store_id: Nullable(Type.String()),
    guide_id: Nullable(Type.String()),
    campaign: Nullable(Type.String()),
    tag_ids: Type.Array(Type.String()),
    welcome_coupon: Nullable(Type.String()),
    active: Type.Boolean(),
    join_url: Type.String({ description: "What the QR code encodes" }),
    stats: StatsSchema,
    created_at: Type.String({ format: "date-time" }),
    updated_at: Type.String({ format: "date-time" }),
  },
  { $id: "ChannelCode" },
);

function principalOf(request: { principal?: Principal | undefined }): Principal {
  if (!request.principal) throw new Problem("unauthenticated");
  return request.principal;
}

export const channelCodeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const publicUrl = app.platform.config.publicUrl;

  async function view(ex: Executor, tenantId: string, codes: ChannelCode[]) {
    const { slug } = await getTenant(ex, tenantId);
    const totals = await codeTotals(
      ex,
      tenantId,
      codes.map((c) => c.code_id),
    );
    const empty: CodeTotals = { scans: 0, joins: 0, first_orders: 0 };
    return codes.map(({ org_path: _path, ...c }) => ({
      ...c,
      join_url: joinUrl(publicUrl, slug, c.scene_key),
      stats: totals.get(c.code_id) ?? empty,
      created_at: c.created_at.toISOString(),
      updated_at: c.updated_at.toISOString(),
    }));
  }

  app.post(
    "/v1/channel-codes",
    {
      schema: {
        tags: ["channel codes"],
        summary: "Make a channel QR code for a store, a guide or a campaign",
        description:
          "Joining with its `scene_key` gives the member `tag_ids`, the code's store and guide (when the join named " +
          "none) and `welcome_coupon`, once. Without `scene_key` one is made up. A guide makes codes for themselves.",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            kind: KindSchema,
            scene_key: Type.Optional(SceneKey),
            store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            guide_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            campaign: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            tag_ids: Type.Optional(TagIds),
            welcome_coupon: Type.Optional(CouponCode),
          },
          { additionalProperties: false },
        ),
        response: { 201: ChannelCodeSchema },
      },
      config: { access: { apiKey: "write", staff: "all" } },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const tenantId = tenantOf(request);
        const code = await createCode(tx, tenantId, request.body, principalOf(request), now());
        return (await view(tx, tenantId, [code]))[0];
      }),
  );

  app.get(
    "/v1/channel-codes",
    {
      schema: {
        tags: ["channel codes"],
        summary: "Channel codes in the caller's scope, with their counts",
        querystring: Type.Object(
          {
            ...PageQuery,
            kind: Type.Optional(KindSchema),
            store_id: Type.Optional(Type.String({ maxLength: 64 })),
            guide_id: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(ChannelCodeSchema) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const { limit = PAGE_LIMIT_DEFAULT, cursor, ...filter } = request.query;
      const tenantId = tenantOf(request);
      const page = await listCodes(
        db,
        tenantId,
        filter,
        { limit, after: decodeCursor(cursor) },
        request.principal,
      );
      return { items: await view(db, tenantId, page.items), next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/v1/channel-codes/:code_id",
    {
      schema: {
        tags: ["channel codes"],
        summary: "A channel code with its scans, joins and first orders",
        params: CodeIdParams,
        response: { 200: ChannelCodeSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      return (
        await view(db, tenantId, [await getCode(db, tenantId, request.params.code_id, request.principal)])
      )[0];
    },
  );

  app.patch(
    "/v1/channel-codes/:code_id",
    {
      schema: {
        tags: ["channel codes"],
        summary: "Rename a code, change its tags or welcome coupon, or switch it off",
        description:
          "The scene key, store and guide are printed or promised: make a new code to change them.",
        params: CodeIdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            tag_ids: Type.Optional(TagIds),
            welcome_coupon: Type.Optional(Nullable(CouponCode)),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: ChannelCodeSchema },
      },
      config: { access: { apiKey: "write", staff: "all" } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const code = await updateCode(
          tx,
          tenantId,
          request.params.code_id,
          request.body,
          principalOf(request),
          now(),
        );
        return (await view(tx, tenantId, [code]))[0];
      }),
  );

  app.get(
    "/v1/channel-codes/:code_id/days",
    {
      schema: {
        tags: ["channel codes"],
        summary: "A code's scans, joins and first orders per brand-local day (days with any)",
        params: CodeIdParams,
        querystring: Type.Object({ from: DateString, to: DateString }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ day: Type.String(), ...StatsSchema.properties })),
          }),
        },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const code = await getCode(db, tenantId, request.params.code_id, request.principal);
      const { from, to } = request.query;
      const days = DateTime.fromISO(to).diff(DateTime.fromISO(from), "days").days;
      if (!(days >= 0 && days <= MAX_DAYS))
        throw invalidField("/from", `from must be before to, at most ${MAX_DAYS} days apart`, "query");
      return { items: await codeDays(db, tenantId, code.code_id, { from, to }) };
    },
  );

  app.get(
    "/v1/channel-codes/:code_id/qr",
    {
      schema: {
        tags: ["channel codes"],
        summary: "The QR image to print, PNG or SVG",
        params: CodeIdParams,
        querystring: Type.Object(
          {
            format: Type.Optional(Type.Union([Type.Literal("png"), Type.Literal("svg")], { default: "png" })),
            size: Type.Optional(
              Type.Integer({ minimum: QR_SIZE_MIN_PX, maximum: QR_SIZE_MAX_PX, default: 512 }),
            ),
          },
          { additionalProperties: false },
        ),
        produces: ["image/png", "image/svg+xml"],
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const code = await getCode(db, tenantId, request.params.code_id, request.principal);
      const { slug } = await getTenant(db, tenantId);
      const text = joinUrl(publicUrl, slug, code.scene_key);
      const size = request.query.size ?? 512;
      reply.header(
        "content-disposition",
        `inline; filename="${code.scene_key}.${request.query.format ?? "png"}"`,
      );
      if (request.query.format === "svg") return reply.type("image/svg+xml").send(await qrSvg(text, size));
      return reply.type("image/png").send(await qrPng(text, size));
    },
  );

  app.post(
    "/v1/channel-codes/scans",
    {
      schema: {
        tags: ["channel codes"],
        summary: "Count a scan (the join page calls this when opened from a code) and describe the code",
        security: [],
        body: Type.Object(
          {
            tenant: Type.String({ minLength: 1, maxLength: 63, description: "The brand's slug" }),
            scene_key: SceneKey,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            scene_key: Type.String(),
            name: Type.String(),
            kind: KindSchema,
            store_id: Nullable(Type.String()),
            guide_id: Nullable(Type.String()),
            welcome_coupon: Type.Boolean({ description: "Whether joining here gives a welcome coupon" }),
          }),
        },
      },
      config: {
        access: { public: true },
        rateLimit: { max: 60, timeWindow: "1 minute", hook: "preValidation" },
      },
    },
    async (request) => {
      const tenant = await findTenantBySlug(db, request.body.tenant);
      const code = tenant ? await findCodeByScene(db, tenant.tenant_id, request.body.scene_key) : undefined;
      if (!tenant || !code?.active) throw notFound("channel code");
      await db.transaction().execute((tx) => bump(tx, tenant.tenant_id, code.code_id, now(), "scans"));
      return {
        scene_key: code.scene_key,
        name: code.name,
        kind: code.kind,
        store_id: code.store_id,
        guide_id: code.guide_id,
        welcome_coupon: code.welcome_coupon !== null,
      };
    },
  );
};
