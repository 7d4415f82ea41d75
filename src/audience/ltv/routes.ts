import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { notFound } from "../../platform/http/problems.ts";
import { fitLtv, latestModel, type LtvModel } from "./service.ts";

const Fitted = { log_likelihood: Type.Number(), customers: Type.Integer() };
const ModelSchema = Type.Object({
  model_id: Type.String(),
  fitted_at: Type.String({ format: "date-time" }),
  time_unit: Type.Literal("week"),
  bgnbd: Type.Object(
    { r: Type.Number(), alpha: Type.Number(), a: Type.Number(), b: Type.Number(), ...Fitted },
    { description: "Purchase frequency and dropout (BG/NBD)" },
  ),
  gamma_gamma: Type.Union([
    Type.Object(
      { p: Type.Number(), q: Type.Number(), gamma: Type.Number(), ...Fitted },
      { description: "Spend per purchase, minor units" },
    ),
    Type.Null(),
  ]),
});
const serializeModel = (m: LtvModel) => ({
  ...m,
  time_unit: "week" as const,
  fitted_at: m.fitted_at.toISOString(),
});

export const ltvRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.get(
    "/v1/audience/ltv/model",
    {
      schema: {
        tags: ["audience"],
        summary: "The brand's latest fitted LTV model",
        response: { 200: ModelSchema },
      },
      config: { access: { apiKey: "read", staff: HQ_ROLES } },
    },
    async (request) => {
      const model = await latestModel(db, tenantOf(request));
      if (!model) throw notFound("LTV model (none fitted yet: POST /v1/audience/ltv/fit)");
      return serializeModel(model);
    },
  );

  app.post(
    "/v1/audience/ltv/fit",
    {
      schema: {
        tags: ["audience"],
        summary: "Fit BG/NBD and Gamma-Gamma on the brand's purchases now and predict every purchaser",
        description:
          "The nightly job does this. Needs at least 50 purchasers and 10 repeat purchasers; otherwise fitted is false with the reason.",
        response: {
          200: Type.Object({
            fitted: Type.Boolean(),
            reason: Type.Optional(Type.String()),
            model: Type.Optional(ModelSchema),
            predicted_members: Type.Optional(Type.Integer()),
            duration_ms: Type.Optional(Type.Integer()),
          }),
        },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request) => {
      const report = await fitLtv(db, tenantOf(request), now());
      if (!report.fitted) return { fitted: false, reason: report.reason };
      return {
        fitted: true,
        model: serializeModel(report.model),
        predicted_members: report.predicted_members,
        duration_ms: report.duration_ms,
      };
    },
  );
};
