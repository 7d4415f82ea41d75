import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { getTenant, updateTenant } from "./service.ts";

export const TenantSchema = Type.Object(
  {
    tenant_id: Type.String({ examples: ["ten_01jd7x4qz8f3s9v2k6m1n0p5r7"] }),
    slug: Type.String(),
    name: Type.String(),
    currency: Type.String({ description: "ISO 4217; all amounts are integers in its minor unit" }),
    country: Type.String({
      description: "ISO 3166 country: phone numbers without a country code are read as its",
    }),
    time_zone: Type.String({
      description: "IANA zone; calendar days (check-in, birthdays, expiry) follow it",
    }),
    locale: Type.String(),
    demo: Type.Boolean(),
    created_at: Type.String({ format: "date-time" }),
  },
  { $id: "Tenant" },
);

export const tenantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;

  app.get(
    "/v1/tenant",
    {
      schema: {
        tags: ["tenant"],
        summary: "The brand these credentials belong to",
        response: { 200: TenantSchema },
      },
      config: { access: { apiKey: "read", staff: "all", member: true } },
    },
    async (request) => serialize(await getTenant(db, tenantOf(request))),
  );

  app.patch(
    "/v1/tenant",
    {
      schema: {
        tags: ["tenant"],
        summary: "Update the brand's name, time zone or locale",
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            locale: Type.Optional(Type.Union([Type.Literal("zh-CN"), Type.Literal("en")])),
          },
          { additionalProperties: false },
        ),
        response: { 200: TenantSchema },
      },
      config: { access: { staff: HQ_ROLES } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serialize(await updateTenant(tx, tenantOf(request), request.body)),
      ),
  );
};

function serialize(tenant: Awaited<ReturnType<typeof getTenant>>) {
  return { ...tenant, created_at: tenant.created_at.toISOString() };
}
