import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { getLiability } from "../../points/queries.ts";
import { tierDistribution } from "../../tiers/service.ts";
import { getTenant } from "../../tenants/service.ts";
import { stageCounts } from "../scores/queries.ts";
import { rfmGrid } from "../scores/queries.ts";
import { parsePeriod } from "./period.ts";
import {
  cohortRetention,
  ltvDistribution,
  membershipSeries,
  pointsSeries,
  salesReport,
  stageTransitions,
} from "./queries.ts";

/**
 * Member analytics for the console (charts come with the web issue). Brand-wide numbers, so HQ roles and API keys
 * only. Every metric's formula is in docs/analytics.md.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Rate = Nullable(Type.Number({ description: "A share from 0 to 1; null when the denominator is 0" }));
const Day = Type.String({
  pattern: "^\\d{4}-\\d{2}-\\d{2}$",
  description: "YYYY-MM-DD, the brand's calendar",
  examples: ["2026-05-01"],
});
const RangeQuery = Type.Object(
  {
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    interval: Type.Optional(
      Type.Union([Type.Literal("day"), Type.Literal("week"), Type.Literal("month")], { default: "day" }),
    ),
  },
  { additionalProperties: false },
);
const Breakdown = {
  joins: Type.Integer(),
  orders: Type.Integer(),
  sales_minor: Type.Number(),
  member_sales_minor: Type.Number(),
};

export const analyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Brand-wide reads that may lag a replica by seconds: they go to DATABASE_READ_URL when it is set.
  const { db } = app.platform.readDatabase;
  const now = () => app.platform.clock.now();
  const access = { apiKey: "read", staff: HQ_ROLES } as const;
  const periodOf = async (
    tenantId: string,
    query: {
      from?: string | undefined;
      to?: string | undefined;
      interval?: "day" | "week" | "month" | undefined;
    },
  ) => parsePeriod(query, (await getTenant(db, tenantId)).time_zone, now());

  app.get(
    "/v1/audience/analytics/membership",
    {
      schema: {
        tags: ["analytics"],
        summary: "Membership size and growth per day, week or month",
        querystring: RangeQuery,
        response: {
          200: Type.Object({
            series: Type.Array(
              Type.Object({
                period: Type.String(),
                joined: Type.Integer(),
                members: Type.Integer(),
                growth_rate: Rate,
              }),
            ),
          }),
        },
      },
      config: { access },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      return { series: await membershipSeries(db, tenantId, await periodOf(tenantId, request.query)) };
    },
  );

  app.get(
    "/v1/audience/analytics/lifecycle",
    {
      schema: {
        tags: ["analytics"],
        summary: "Members per lifecycle stage now, and the stage moves in the period",
        querystring: RangeQuery,
        response: {
          200: Type.Object({
            stages: Type.Array(Type.Object({ stage: Type.String(), members: Type.Integer() })),
            important: Type.Integer(),
            transitions: Type.Array(
              Type.Object({ from: Type.String(), to: Type.String(), members: Type.Integer() }),
            ),
          }),
        },
      },
      config: { access },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const period = await periodOf(tenantId, request.query);
      return {
        ...(await stageCounts(db, tenantId, request.principal)),
        transitions: await stageTransitions(db, tenantId, period),
      };
    },
  );

  app.get(
    "/v1/audience/analytics/sales",
    {
      schema: {
        tags: ["analytics"],
        summary:
          "Member contribution, repurchase rate, order value and frequency (by tier), channel and store breakdowns",
        querystring: RangeQuery,
        response: {
          200: Type.Object({
            orders: Type.Integer(),
            sales_minor: Type.Number(),
            member_orders: Type.Integer(),
            member_sales_minor: Type.Number(),
            member_contribution: Rate,
            buyers: Type.Integer(),
            repeat_buyers: Type.Integer(),
            repurchase_rate: Rate,
            average_order_value_minor: Nullable(Type.Number()),
            purchase_frequency: Nullable(Type.Number()),
            by_tier: Type.Array(
              Type.Object({
                tier_code: Nullable(Type.String()),
                buyers: Type.Integer(),
                orders: Type.Integer(),
                sales_minor: Type.Number(),
                average_order_value_minor: Nullable(Type.Number()),
                purchase_frequency: Nullable(Type.Number()),
              }),
            ),
            by_channel: Type.Array(Type.Object({ channel: Nullable(Type.String()), ...Breakdown })),
            by_store: Type.Array(Type.Object({ store_id: Nullable(Type.String()), ...Breakdown })),
          }),
        },
      },
      config: { access },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      return salesReport(db, tenantId, await periodOf(tenantId, request.query));
    },
  );

  app.get(
    "/v1/audience/analytics/points",
    {
      schema: {
        tags: ["analytics"],
        summary: "Points issued, redeemed, expired per period, and the outstanding liability now",
        querystring: RangeQuery,
        response: {
          200: Type.Object({
            series: Type.Array(
              Type.Object({
                period: Type.String(),
                issued: Type.Number(),
                redeemed: Type.Number(),
                expired: Type.Number(),
                reversed: Type.Number(),
                adjusted: Type.Number(),
              }),
            ),
            outstanding: Type.Integer({
              description: "Points members hold now (available + pending − owed)",
            }),
            breakage_rate: Type.Number(),
          }),
        },
      },
      config: { access },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const liability = await getLiability(db, tenantId);
      return {
        series: await pointsSeries(db, tenantId, await periodOf(tenantId, request.query)),
        outstanding: liability.outstanding,
        breakage_rate: liability.breakage_rate,
      };
    },
  );

  app.get(
    "/v1/audience/analytics/cohorts",
    {
      schema: {
        tags: ["analytics"],
        summary:
          "Cohort retention by join month: the share of each month's new members who bought in each month since",
        querystring: Type.Object(
          { months: Type.Optional(Type.Integer({ minimum: 1, maximum: 36, default: 12 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            cohorts: Type.Array(
              Type.Object({
                cohort: Type.String(),
                members: Type.Integer(),
                retention: Type.Array(
                  Type.Object({ month: Type.Integer(), members: Type.Integer(), rate: Rate }),
                ),
              }),
            ),
          }),
        },
      },
      config: { access },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      return {
        cohorts: await cohortRetention(
          db,
          tenantId,
          request.query.months ?? 12,
          (await getTenant(db, tenantId)).time_zone,
          now(),
        ),
      };
    },
  );

  app.get(
    "/v1/audience/analytics/ltv",
    {
      schema: {
        tags: ["analytics"],
        summary: "Distribution of predicted 365-day value and of P(alive)",
        response: {
          200: Type.Object({
            members: Type.Integer(),
            total_predicted_value_365d_minor: Type.Number(),
            mean_predicted_value_365d_minor: Nullable(Type.Number()),
            percentiles: Type.Array(Type.Object({ q: Type.Number(), value_minor: Nullable(Type.Number()) })),
            histogram: Type.Array(
              Type.Object({
                from_minor: Type.Number(),
                to_minor: Nullable(Type.Number()),
                members: Type.Integer(),
              }),
            ),
            p_alive: Type.Array(
              Type.Object({ from: Type.Number(), to: Type.Number(), members: Type.Integer() }),
            ),
          }),
        },
      },
      config: { access },
    },
    async (request) => ltvDistribution(db, tenantOf(request)),
  );

  app.get(
    "/v1/audience/analytics/overview",
    {
      schema: {
        tags: ["analytics"],
        summary:
          "Tier distribution and the RFM grid in one call (the same as /v1/tiers/distribution and /v1/audience/rfm-grid)",
        response: { 200: Type.Object({ tiers: Type.Unknown(), rfm: Type.Unknown() }) },
      },
      config: { access },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      return {
        tiers: await tierDistribution(db, tenantId, now(), request.principal),
        rfm: await rfmGrid(db, tenantId, request.principal),
      };
    },
  );
};
