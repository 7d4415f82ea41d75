import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf, HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { RECOMPUTE_PHASES } from "./recompute.ts";
import {
  getRecomputeRun,
  listRecomputeRuns,
  type RecomputeRun,
  startRecomputeRun,
} from "./recompute-runs.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const RunSchema = Type.Object({
  run_id: Type.String(),
  status: Type.Union([Type.Literal("running"), Type.Literal("succeeded"), Type.Literal("failed")]),
  facts: Type.Union([Type.Literal("full"), Type.Literal("changed")]),
  phase: Nullable(Type.Enum(RECOMPUTE_PHASES, { description: "The phase under way while running" })),
  phases_done: Type.Integer({ minimum: 0, maximum: RECOMPUTE_PHASES.length }),
  percent: Type.Integer({
    minimum: 0,
    maximum: 100,
    description: "The done phases' share of the time the brand's last run took; 100 once succeeded",
  }),
  report: Nullable(
    Type.Object(
      {},
      { additionalProperties: true, description: "What POST /v1/audience/recompute answers, once succeeded" },
    ),
  ),
  error: Nullable(Type.String()),
  started_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
  finished_at: Nullable(Type.String({ format: "date-time" })),
});

const serializeRun = (run: RecomputeRun) => ({
  ...run,
  started_at: run.started_at.toISOString(),
  updated_at: run.updated_at.toISOString(),
  finished_at: run.finished_at?.toISOString() ?? null,
});

/** The recompute in the background, with its progress: what a console's progress bar follows. */
export const recomputeRunRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const configure = { apiKey: "write", staff: HQ_ROLES } as const;
  const tags = ["audience"];

  app.post(
    "/v1/audience/recompute-runs",
    {
      schema: {
        tags,
        summary: "Start the recompute in the background and follow it (one run at a time per brand)",
        description:
          "Answers 202 at once with the run; `GET /v1/audience/recompute-runs/{run_id}` tells its phase and percent. " +
          "While one runs, asking again answers with that one. On the embedded database the run holds its only " +
          "connection, so other requests wait until it ends.",
        body: Type.Optional(
          Type.Object(
            {
              facts: Type.Optional(
                Type.Union([Type.Literal("full"), Type.Literal("changed")], { default: "full" }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 202: RunSchema },
      },
      config: { access: configure },
    },
    async (request, reply) => {
      const run = await startRecomputeRun(
        db,
        app.platform.log,
        tenantOf(request),
        {
          facts: request.body?.facts ?? "full",
          requestedBy: request.principal ? actorOf(request.principal) : "unknown",
        },
        () => app.platform.clock.now(),
        () => app.platform.events.poke(),
      );
      return reply.code(202).send(serializeRun(run));
    },
  );

  app.get(
    "/v1/audience/recompute-runs",
    {
      schema: {
        tags,
        summary: "The brand's latest recompute runs, newest first",
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(RunSchema) }) },
      },
      config: { access: configure },
    },
    async (request) => ({
      items: (await listRecomputeRuns(db, tenantOf(request), request.query.limit ?? 10)).map(serializeRun),
    }),
  );

  app.get(
    "/v1/audience/recompute-runs/:run_id",
    {
      schema: {
        tags,
        summary: "One recompute run: its status, phase and percent",
        params: Type.Object({ run_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: RunSchema },
      },
      config: { access: configure },
    },
    async (request) => serializeRun(await getRecomputeRun(db, tenantOf(request), request.params.run_id)),
  );
};
