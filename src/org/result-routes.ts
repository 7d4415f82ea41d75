import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { DateTime } from "luxon";
import { Type } from "typebox";
import { tenantOf } from "../platform/auth/principal.ts";
import { invalidField, notFound } from "../platform/http/problems.ts";
import { getTenant } from "../tenants/service.ts";
import { guideResults } from "./results.ts";
import { getOrgUnit, getRootOrgUnit } from "./service.ts";
import { isWithin, scopePathOf } from "./staff.ts";

const MAX_WINDOW_DAYS = 366;
const DateString = Type.String({ format: "date", description: "YYYY-MM-DD, brand-local" });

const GuideResultSchema = Type.Object(
  {
    staff_id: Type.String(),
    name: Type.String(),
    org_unit_id: Type.String({ description: "The guide's store" }),
    region_id: Type.Union([Type.String(), Type.Null()]),
    recruits: Type.Integer({ description: "Members who joined naming this guide" }),
    orders: Type.Integer(),
    sales_minor: Type.Integer({
      description: "Paid amount of orders naming the guide or placed by their members",
    }),
    redemptions: Type.Integer({ description: "Coupons redeemed by the guide's members" }),
    tasks_assigned: Type.Integer(),
    tasks_completed: Type.Integer(),
    rank_in_store: Type.Integer(),
    rank_in_region: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: "GuideResult" },
);

export const resultRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;

  app.get(
    "/v1/guide-results",
    {
      schema: {
        tags: ["organisation"],
        summary: "Guides' results and rankings per store and region, for brand-local days",
        description:
          "Guides of the caller's subtree (or of `org_unit_id` inside it), best first by `rank_by`. Defaults: the " +
          "current month to today, ranked by sales. A guide sees the ranking of their own store.",
        querystring: Type.Object(
          {
            from: Type.Optional(DateString),
            to: Type.Optional(DateString),
            org_unit_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            rank_by: Type.Optional(
              Type.Union([
                Type.Literal("sales_minor"),
                Type.Literal("recruits"),
                Type.Literal("orders"),
                Type.Literal("redemptions"),
                Type.Literal("tasks_completed"),
              ]),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ from: DateString, to: DateString, items: Type.Array(GuideResultSchema) }),
        },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const q = request.query;
      const scope = scopePathOf(request.principal);
      let path = scope ?? (await getRootOrgUnit(db, tenantId)).path;
      if (q.org_unit_id) {
        const unit = await getOrgUnit(db, tenantId, q.org_unit_id).catch(() => undefined);
        if (!unit || !isWithin(unit.path, scope)) throw notFound("org unit", q.org_unit_id);
        path = unit.path;
      }
      const { time_zone } = await getTenant(db, tenantId);
      const today = DateTime.fromJSDate(app.platform.clock.now(), { zone: time_zone });
      const to = q.to ?? today.toISODate() ?? "";
      const from = q.from ?? today.startOf("month").toISODate() ?? "";
      const days = DateTime.fromISO(to).diff(DateTime.fromISO(from), "days").days;
      if (!(days >= 0)) throw invalidField("/from", "from must not be after to", "query");
      if (days > MAX_WINDOW_DAYS) throw invalidField("/from", `at most ${MAX_WINDOW_DAYS} days`, "query");
      return {
        from,
        to,
        items: await guideResults(db, tenantId, path, { from, to }, q.rank_by ?? "sales_minor"),
      };
    },
  );
};
