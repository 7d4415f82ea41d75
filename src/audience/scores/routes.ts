import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember } from "../../members/service.ts";
import { MemberIdParams } from "../../members/schemas.ts";
import { HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { command } from "../../platform/http/command.ts";
import { RFM_GROUPS, STAGES } from "../conditions/fields.ts";
import { recomputeAudience } from "../recompute.ts";
import {
  AudienceSettingsPatch,
  AudienceSettingsSchema,
  getAudienceSettings,
  updateAudienceSettings,
} from "../settings.ts";
import { memberScores, rfmGrid, stageCounts } from "./queries.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const StageSchema = Type.Enum(STAGES);
const GroupSchema = Type.Enum(RFM_GROUPS);

const MemberScoresSchema = Type.Object({
  member_id: Type.String(),
  stage: Nullable(StageSchema),
  stage_since: Nullable(Type.String({ format: "date-time" })),
  important: Nullable(Type.Boolean()),
  rfm: Type.Object({
    r: Nullable(Type.Integer({ minimum: 1, maximum: 5 })),
    f: Nullable(Type.Integer({ minimum: 1, maximum: 5 })),
    m: Nullable(Type.Integer({ minimum: 1, maximum: 5 })),
    group: Nullable(GroupSchema),
    recency_days: Nullable(Type.Integer({ description: "Whole days since the last purchase" })),
    frequency: Nullable(Type.Integer({ description: "Purchases in the RFM window" })),
    monetary_minor: Nullable(Type.Integer({ description: "Spend in the RFM window" })),
  }),
  ltv: Nullable(
    Type.Object({
      p_alive: Type.Number(),
      expected_purchases_90d: Type.Number(),
      expected_purchases_365d: Type.Number(),
      expected_order_value_minor: Nullable(Type.Number()),
      predicted_value_365d_minor: Nullable(Type.Number()),
      computed_at: Nullable(Type.String({ format: "date-time" })),
    }),
  ),
  computed_at: Nullable(Type.String({ format: "date-time", description: "Null: not scored yet" })),
});

const GridSchema = Type.Object({
  cells: Type.Array(
    Type.Object({
      r: Type.Integer(),
      f: Type.Integer(),
      group: GroupSchema,
      members: Type.Integer(),
      important: Type.Integer(),
      monetary_minor: Type.Number({ description: "Spend in the window of the cell's members" }),
    }),
  ),
  groups: Type.Array(Type.Object({ group: GroupSchema, members: Type.Integer() })),
  unscored: Type.Integer({ description: "Members without a purchase in the window" }),
  window_days: Nullable(Type.Integer()),
  breakpoints: Nullable(
    Type.Object({
      recency_days: Type.Array(Type.Number()),
      frequency: Type.Array(Type.Number()),
      monetary_minor: Type.Array(Type.Number()),
    }),
  ),
  computed_at: Nullable(Type.String({ format: "date-time" })),
});

export const scoresRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const read = { apiKey: "read", staff: "all" } as const;
  const configure = { apiKey: "write", staff: HQ_ROLES } as const;

  app.get(
    "/v1/audience/settings",
    {
      schema: {
        tags: ["audience"],
        summary: "RFM window, lifecycle thresholds, what makes a member important",
        response: { 200: AudienceSettingsSchema },
      },
      config: { access: read },
    },
    async (request) => getAudienceSettings(db, tenantOf(request)),
  );

  app.patch(
    "/v1/audience/settings",
    {
      schema: {
        tags: ["audience"],
        summary: "Change the RFM window, lifecycle thresholds or importance",
        description:
          "Thresholds must order the stages (new_days ≤ silent_days < lost_days), else 422 naming the field. Members move at the next recompute.",
        body: AudienceSettingsPatch,
        response: { 200: AudienceSettingsSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, (tx) =>
        updateAudienceSettings(tx, tenantOf(request), request.body, now()),
      ),
  );

  app.get(
    "/v1/members/:member_id/scores",
    {
      schema: {
        tags: ["audience"],
        summary: "A member's lifecycle stage, RFM scores and predicted value",
        params: MemberIdParams,
        response: { 200: MemberScoresSchema },
      },
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      return memberScores(db, tenantId, request.params.member_id, now());
    },
  );

  app.get(
    "/v1/audience/rfm-grid",
    {
      schema: {
        tags: ["audience"],
        summary: "Members per cell of the 5×5 recency × frequency grid, with named groups",
        response: { 200: GridSchema },
      },
      config: { access: read },
    },
    async (request) => rfmGrid(db, tenantOf(request), request.principal),
  );

  app.get(
    "/v1/audience/stages",
    {
      schema: {
        tags: ["audience"],
        summary: "Members per lifecycle stage, and how many are important",
        response: {
          200: Type.Object({
            stages: Type.Array(Type.Object({ stage: StageSchema, members: Type.Integer() })),
            important: Type.Integer(),
          }),
        },
      },
      config: { access: read },
    },
    async (request) => stageCounts(db, tenantOf(request), request.principal),
  );

  app.post(
    "/v1/audience/recompute",
    {
      schema: {
        tags: ["audience"],
        summary: "Recompute facts, RFM, stages, computed tags and every segment for the brand now",
        description:
          "The nightly job does this (facts=changed); call it after changing settings, and with facts=full after a bulk " +
          "import (imported members and orders carry no events). A full rebuild reads every order of the brand.",
        querystring: Type.Object(
          {
            facts: Type.Optional(
              Type.Union([Type.Literal("full"), Type.Literal("changed")], { default: "full" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            members: Type.Integer(),
            scored_members: Type.Integer(),
            stage_changes: Type.Integer(),
            segments: Type.Integer(),
            events: Type.Integer(),
            duration_ms: Type.Integer(),
          }),
        },
      },
      config: { access: configure },
    },
    async (request) => {
      const report = await recomputeAudience(db, tenantOf(request), now(), {
        facts: request.query.facts ?? "full",
      });
      app.platform.events.poke();
      return {
        members: report.members,
        scored_members: report.scores.scored_members,
        stage_changes: report.scores.stage_changes,
        segments: report.segments.segments,
        events: report.events,
        duration_ms: report.duration_ms,
      };
    },
  );
};
