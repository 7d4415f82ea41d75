import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { conditionGuard } from "../audience/conditions/http.ts";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../platform/http/pagination.ts";
import type { SendMessage } from "./actions.ts";
import { listAssignments } from "./assignments.ts";
import { changeStatus, createCampaign, getCampaign, listCampaigns, updateCampaign } from "./campaigns.ts";
import { dryRun } from "./dry-run.ts";
import { installPlaybook, PLAYBOOKS } from "./playbooks.ts";
import { campaignResults } from "./results.ts";
import { getRun, listRuns, startRun, workRun } from "./runs.ts";
import { CampaignCreateBody, CampaignIdParams, CampaignPatchBody, CampaignStatusSchema } from "./schemas.ts";
import {
  AssignmentSchema,
  CampaignSchema,
  DryRunSchema,
  ResultsSchema,
  RunSchema,
  serializeCampaign,
  serializeDryRun,
  serializeResults,
  serializeRun,
} from "./views.ts";

/** Pages a run-now works before answering (500 members each); a larger audience is finished by the scheduler. */
const RUN_NOW_MAX_PAGES = 20;
const RUNS_LISTED = 50;

const tags = ["campaigns"];

export function campaignRoutes(sendMessage?: SendMessage): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { db } = app.platform.database;
    const now = () => app.platform.clock.now();
    // Campaigns are headquarters' tools; integrators may script them with keys.
    const configure = { apiKey: "write", staff: HQ_ROLES } as const;
    const read = { apiKey: "read", staff: HQ_ROLES } as const;

    app.get(
      "/v1/campaigns",
      {
        schema: {
          tags,
          summary: "The brand's campaigns, newest first",
          querystring: Type.Object({ ...PageQuery, status: Type.Optional(CampaignStatusSchema) }),
          response: { 200: PageOf(CampaignSchema) },
        },
        config: { access: read },
      },
      async (request) => {
        const page = await listCampaigns(
          db,
          tenantOf(request),
          { status: request.query.status },
          { limit: request.query.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(request.query.cursor) },
        );
        return { items: page.items.map(serializeCampaign), next_cursor: page.next_cursor };
      },
    );

    app.post(
      "/v1/campaigns",
      {
        preValidation: conditionGuard("condition"),
        schema: {
          tags,
          summary: "Create a campaign (a draft)",
          description:
            "A trigger (an event, a schedule over a segment or condition, or a calendar date), an optional " +
            "audience condition, actions, and guard rails: window, budget, frequency cap, holdout. Everything it " +
            "names (segment, coupon template or pack, tags) must exist in the brand; every problem is listed.",
          body: CampaignCreateBody,
          response: { 201: CampaignSchema },
        },
        config: { access: configure },
      },
      async (request, reply) =>
        command(request, reply, 201, async (tx) =>
          serializeCampaign(await createCampaign(tx, tenantOf(request), request.body, now())),
        ),
    );

    app.get(
      "/v1/campaigns/playbooks",
      {
        schema: {
          tags,
          summary: "Ready-made campaigns for the seeds' member groups and the newcomer journey",
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  key: Type.String(),
                  name: Type.String(),
                  description: Type.String(),
                  campaigns: Type.Array(Type.String(), { description: "Names of the drafts it installs" }),
                }),
              ),
            }),
          },
        },
        config: { access: read },
      },
      async () => ({
        items: PLAYBOOKS.map((p) => ({
          key: p.key,
          name: p.name,
          description: p.description,
          campaigns: p.campaigns.map((c) => c.campaign.name),
        })),
      }),
    );

    app.post(
      "/v1/campaigns/playbooks/:key/install",
      {
        schema: {
          tags,
          summary:
            "Install a playbook: its campaigns as drafts (and the coupon templates they issue, if missing)",
          params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 201: Type.Object({ items: Type.Array(CampaignSchema) }) },
        },
        config: { access: configure },
      },
      async (request, reply) =>
        command(request, reply, 201, async (tx) => ({
          items: (await installPlaybook(tx, tenantOf(request), request.params.key, now())).map(
            serializeCampaign,
          ),
        })),
    );

    app.get(
      "/v1/campaigns/:campaign_id",
      {
        schema: {
          tags,
          summary: "One campaign",
          params: CampaignIdParams,
          response: { 200: CampaignSchema },
        },
        config: { access: read },
      },
      async (request) =>
        serializeCampaign(await getCampaign(db, tenantOf(request), request.params.campaign_id)),
    );

    app.patch(
      "/v1/campaigns/:campaign_id",
      {
        preValidation: conditionGuard("condition"),
        schema: {
          tags,
          summary: "Change a draft or a paused campaign",
          description:
            "A live campaign must be paused first; the holdout of a launched campaign never changes.",
          params: CampaignIdParams,
          body: CampaignPatchBody,
          response: { 200: CampaignSchema },
        },
        config: { access: configure },
      },
      async (request, reply) =>
        command(request, reply, 200, async (tx) =>
          serializeCampaign(
            await updateCampaign(tx, tenantOf(request), request.params.campaign_id, request.body, now()),
          ),
        ),
    );

    const lifecycle = [
      ["launch", "Launch a draft: active now, or scheduled until starts_at"],
      ["pause", "Pause a live campaign: no member is reached until it resumes"],
      ["resume", "Resume a paused campaign (schedules continue from now, without catching up)"],
      ["end", "End a campaign for good; its results stay"],
    ] as const;
    for (const [verb, summary] of lifecycle) {
      app.post(
        `/v1/campaigns/:campaign_id/${verb}`,
        {
          schema: { tags, summary, params: CampaignIdParams, response: { 200: CampaignSchema } },
          config: { access: configure },
        },
        async (request, reply) =>
          command(request, reply, 200, async (tx) =>
            serializeCampaign(
              await changeStatus(tx, tenantOf(request), request.params.campaign_id, verb, now()),
            ),
          ),
      );
    }

    app.get(
      "/v1/campaigns/:campaign_id/dry-run",
      {
        schema: {
          tags,
          summary: "Who the campaign would reach now and what it would cost; changes nothing",
          description:
            "A scheduled campaign: its next pass. A calendar campaign: today's pass. An event campaign: the " +
            "members its condition selects now (each would be reached when their event comes).",
          params: CampaignIdParams,
          response: { 200: DryRunSchema },
        },
        config: { access: read },
      },
      async (request) =>
        serializeDryRun(await dryRun(db, tenantOf(request), request.params.campaign_id, now())),
    );

    app.post(
      "/v1/campaigns/:campaign_id/runs",
      {
        schema: {
          tags,
          summary: "Run a live scheduled or calendar campaign now, outside its schedule",
          description:
            `Works the pass before answering, up to ${RUN_NOW_MAX_PAGES * 500} members; the scheduler finishes a ` +
            "larger one (status running). A retried request with its Idempotency-Key answers with the run as started.",
          params: CampaignIdParams,
          response: { 201: RunSchema },
        },
        config: { access: configure },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request);
        const campaignId = request.params.campaign_id;
        const runKey = `manual:${now().toISOString()}`;
        await command(request, reply, 201, async (tx) => {
          await startRun(tx, tenantId, await getCampaign(tx, tenantId, campaignId), runKey, now());
          return serializeRun(await getRun(tx, tenantId, campaignId, runKey));
        });
        await workRun(db, tenantId, campaignId, runKey, now, sendMessage, RUN_NOW_MAX_PAGES);
        return serializeRun(await getRun(db, tenantId, campaignId, runKey));
      },
    );

    app.get(
      "/v1/campaigns/:campaign_id/runs",
      {
        schema: {
          tags,
          summary: `The campaign's latest passes (${RUNS_LISTED})`,
          params: CampaignIdParams,
          response: { 200: Type.Object({ items: Type.Array(RunSchema) }) },
        },
        config: { access: read },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        await getCampaign(db, tenantId, request.params.campaign_id);
        return {
          items: (await listRuns(db, tenantId, request.params.campaign_id, RUNS_LISTED)).map(serializeRun),
        };
      },
    );

    app.get(
      "/v1/campaigns/:campaign_id/assignments",
      {
        schema: {
          tags,
          summary: "Members reached, with their arm (treatment or holdout) and what each was given",
          params: CampaignIdParams,
          querystring: Type.Object({
            ...PageQuery,
            arm: Type.Optional(Type.Union([Type.Literal("treatment"), Type.Literal("holdout")])),
            member_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          }),
          response: { 200: PageOf(AssignmentSchema) },
        },
        config: { access: read },
      },
      async (request) => {
        const page = await listAssignments(
          db,
          tenantOf(request),
          request.params.campaign_id,
          { arm: request.query.arm, member_id: request.query.member_id },
          { limit: request.query.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(request.query.cursor) },
        );
        return {
          items: page.items.map((a) => ({ ...a, assigned_at: a.assigned_at.toISOString() })),
          next_cursor: page.next_cursor,
        };
      },
    );

    app.get(
      "/v1/campaigns/:campaign_id/results",
      {
        schema: {
          tags,
          summary:
            "Reached, given, redeemed; orders and revenue per arm; uplift against the holdout with a 95% CI",
          params: CampaignIdParams,
          querystring: Type.Object({
            attribution_days: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 365, description: "Default: the campaign's own" }),
            ),
          }),
          response: { 200: ResultsSchema },
        },
        config: { access: read },
      },
      async (request) =>
        serializeResults(
          await campaignResults(
            db,
            tenantOf(request),
            request.params.campaign_id,
            { attribution_days: request.query.attribution_days },
            now(),
          ),
        ),
    );
  };
}
