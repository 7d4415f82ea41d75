import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { createOrgUnit, listOrgUnits, type OrgUnit } from "./service.ts";

const OrgUnitKindSchema = Type.Union([
  Type.Literal("hq"),
  Type.Literal("region"),
  Type.Literal("branch"),
  Type.Literal("store"),
]);

export const OrgUnitSchema = Type.Object(
  {
    org_unit_id: Type.String(),
    parent_id: Type.Union([Type.String(), Type.Null()]),
    kind: OrgUnitKindSchema,
    code: Type.String(),
    name: Type.String(),
    path: Type.String({ description: "ids from the root, '/ou_a/ou_b/'" }),
    created_at: Type.String({ format: "date-time" }),
  },
  { $id: "OrgUnit" },
);

const serialize = (unit: OrgUnit) => ({ ...unit, created_at: unit.created_at.toISOString() });

export const orgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;

  app.get(
    "/v1/org-units",
    {
      schema: {
        tags: ["organisation"],
        summary: "Org units visible to the caller (staff see their own subtree)",
        response: { 200: Type.Object({ items: Type.Array(OrgUnitSchema) }) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const principal = request.principal;
      const within = principal?.kind === "staff" ? principal.orgPath : undefined;
      return { items: (await listOrgUnits(db, tenantOf(request), within)).map(serialize) };
    },
  );

  app.post(
    "/v1/org-units",
    {
      schema: {
        tags: ["organisation"],
        summary: "Add a region, branch or store",
        body: Type.Object(
          {
            parent_id: Type.String({ minLength: 1, maxLength: 64 }),
            kind: Type.Union([Type.Literal("region"), Type.Literal("branch"), Type.Literal("store")]),
            code: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: OrgUnitSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serialize(await createOrgUnit(tx, tenantOf(request), request.body)),
      ),
  );
};
