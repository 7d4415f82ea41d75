import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { invalidField } from "../platform/http/problems.ts";
import {
  CouponSettingsSchema,
  PackBody,
  PackSchema,
  TemplateBody,
  TemplatePatchBody,
  TemplateSchema,
} from "./schemas.ts";
import { getCouponSettings, updateCouponSettings } from "./settings.ts";
import {
  createPack,
  createTemplate,
  findPack,
  getTemplate,
  listPacks,
  listTemplates,
  templateStats,
  updatePack,
  updateTemplate,
} from "./templates.ts";
import {
  serializePack,
  serializeTemplate,
  serializeTemplateWithStats,
  TemplateWithStatsSchema,
} from "./views.ts";

/** Designing coupons: templates, packs and the brand's coupon settings (HQ and integrators). */
export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const designers = { apiKey: "write", staff: HQ_ROLES } as const;
  const readers = { apiKey: "read", staff: "all" } as const;
  const TemplateIdParams = Type.Object({ template_id: Type.String({ minLength: 1, maxLength: 64 }) });

  app.post(
    "/v1/coupon-templates",
    {
      schema: {
        tags: ["coupons"],
        summary:
          "Design a coupon: amount off over a threshold, percent off, nth item, free item, free shipping, exclusive price",
        description:
          "What it gives, where it applies and how it stacks never change afterwards; budgets, limits and issuing on/off may.",
        body: TemplateBody,
        response: { 201: TemplateSchema },
      },
      config: { access: designers },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serializeTemplate(await createTemplate(tx, tenantOf(request), request.body, now())),
      ),
  );

  app.get(
    "/v1/coupon-templates",
    {
      schema: {
        tags: ["coupons"],
        summary: "Coupon templates",
        querystring: Type.Object({ active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(TemplateSchema) }) },
      },
      config: { access: readers },
    },
    async (request) => ({
      items: (await listTemplates(db, tenantOf(request), { activeOnly: request.query.active === true })).map(
        serializeTemplate,
      ),
    }),
  );

  app.get(
    "/v1/coupon-templates/:template_id",
    {
      schema: {
        tags: ["coupons"],
        summary: "A coupon template, with how many were issued, are held and were redeemed",
        params: TemplateIdParams,
        response: { 200: TemplateWithStatsSchema },
      },
      config: { access: readers },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const template = await getTemplate(db, tenantId, { template_id: request.params.template_id });
      return serializeTemplateWithStats(template, await templateStats(db, tenantId, template.template_id));
    },
  );

  app.patch(
    "/v1/coupon-templates/:template_id",
    {
      schema: {
        tags: ["coupons"],
        summary: "Change a template's name, budgets, limits, or stop issuing it",
        params: TemplateIdParams,
        body: TemplatePatchBody,
        response: { 200: TemplateSchema },
      },
      config: { access: designers },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeTemplate(
          await updateTemplate(tx, tenantOf(request), request.params.template_id, request.body, now()),
        ),
      ),
  );

  app.post(
    "/v1/coupon-packs",
    {
      schema: {
        tags: ["coupons"],
        summary: "Bundle templates into a pack (the newcomer pack)",
        body: PackBody,
        response: { 201: PackSchema },
      },
      config: { access: designers },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serializePack(await createPack(tx, tenantOf(request), request.body, now())),
      ),
  );

  app.get(
    "/v1/coupon-packs",
    {
      schema: {
        tags: ["coupons"],
        summary: "Coupon packs",
        response: { 200: Type.Object({ items: Type.Array(PackSchema) }) },
      },
      config: { access: readers },
    },
    async (request) => ({ items: (await listPacks(db, tenantOf(request))).map(serializePack) }),
  );

  app.patch(
    "/v1/coupon-packs/:pack_id",
    {
      schema: {
        tags: ["coupons"],
        summary: "Rename a pack or stop giving it out",
        params: Type.Object({ pack_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: PackSchema },
      },
      config: { access: designers },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializePack(await updatePack(tx, tenantOf(request), request.params.pack_id, request.body, now())),
      ),
  );

  app.get(
    "/v1/coupon-settings",
    {
      schema: {
        tags: ["coupons"],
        summary: "The brand's coupon and checkout settings",
        response: { 200: CouponSettingsSchema },
      },
      config: { access: readers },
    },
    async (request) => getCouponSettings(db, tenantOf(request)),
  );

  app.patch(
    "/v1/coupon-settings",
    {
      schema: {
        tags: ["coupons"],
        summary:
          "Set the newcomer pack, the checkout hold, points as payment and what a cancellation gives back",
        body: Type.Partial(CouponSettingsSchema, { additionalProperties: false }),
        response: { 200: CouponSettingsSchema },
      },
      config: { access: designers },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const pack = request.body.newcomer_pack;
        if (pack && !(await findPack(tx, tenantId, { code: pack })))
          throw invalidField("/newcomer_pack", `no coupon pack with code ${pack}`);
        return updateCouponSettings(tx, tenantId, request.body, now());
      }),
  );
};
