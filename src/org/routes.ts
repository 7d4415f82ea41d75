import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { channelCodeRoutes } from "../channel-codes/routes.ts";
import { notFound } from "../platform/http/problems.ts";
import { replyRoutes } from "../replies/routes.ts";
import { staffTaskRoutes } from "../staff-tasks/routes.ts";
import { assignmentRoutes } from "./assignment-routes.ts";
import { resultRoutes } from "./result-routes.ts";
import { createOrgUnit, getOrgUnit, listOrgUnits, type OrgUnit, updateOrgUnit } from "./service.ts";
import { isWithin, scopePathOf } from "./staff.ts";

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

const OrgUnitIdParams = Type.Object({ org_unit_id: Type.String({ minLength: 1, maxLength: 64 }) });
const CodeSchema = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" });
const NameSchema = Type.String({ minLength: 1, maxLength: 200 });

const serialize = (unit: OrgUnit) => ({ ...unit, created_at: unit.created_at.toISOString() });

export const orgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  await app.register(assignmentRoutes);
  await app.register(resultRoutes);
  // The organisation's other faces: channel QR codes, HQ tasks, the quick-reply library.
  await app.register(channelCodeRoutes);
  await app.register(staffTaskRoutes);
  await app.register(replyRoutes);

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

  app.get(
    "/v1/org-units/:org_unit_id",
    {
      schema: {
        tags: ["organisation"],
        summary: "One org unit (staff: inside their subtree only)",
        params: OrgUnitIdParams,
        response: { 200: OrgUnitSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const unit = await getOrgUnit(db, tenantOf(request), request.params.org_unit_id);
      if (!isWithin(unit.path, scopePathOf(request.principal))) throw notFound("org unit", unit.org_unit_id);
      return serialize(unit);
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
            code: CodeSchema,
            name: NameSchema,
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

  app.patch(
    "/v1/org-units/:org_unit_id",
    {
      schema: {
        tags: ["organisation"],
        summary: "Rename a unit or change its code (its kind and place in the tree stay)",
        params: OrgUnitIdParams,
        body: Type.Object(
          { code: Type.Optional(CodeSchema), name: Type.Optional(NameSchema) },
          { additionalProperties: false },
        ),
        response: { 200: OrgUnitSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serialize(await updateOrgUnit(tx, tenantOf(request), request.params.org_unit_id, request.body)),
      ),
  );
};
