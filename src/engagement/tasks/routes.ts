import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { command } from "../../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../../platform/http/pagination.ts";
import { actor, Code, memberOf, Nullable } from "../http.ts";
import { CouponCode } from "../settings-schema.ts";
import { ENGAGEMENT_EVENT_TYPES } from "./rules.ts";
import { createTask, getTask, listTasks, type Task, updateTask } from "./definitions.ts";
import { memberTasks, recordEngagementEvent } from "./service.ts";

const EventType = Type.Union(
  ENGAGEMENT_EVENT_TYPES.map((t) => Type.Literal(t)),
  { description: "What the member did" },
);
const Period = Type.Union([Type.Literal("once"), Type.Literal("daily"), Type.Literal("weekly")], {
  description:
    "once: a one-off task; daily and weekly periods follow the brand's calendar (weeks start Monday)",
});
const RewardPoints = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const MaxCompletions = Type.Integer({
  minimum: 1,
  maximum: 100,
  description: "Completions rewarded per period (the cap); a one-off task completes once",
});

const TaskSchema = Type.Object({
  task_id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  event_type: Type.String(),
  period: Period,
  events_required: Type.Integer(),
  max_completions_per_period: Type.Integer(),
  reward_points: Type.Integer(),
  reward_coupon: Nullable(Type.String()),
  active: Type.Boolean(),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

const serializeTask = (t: Task) => ({
  ...t,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});

const CompletionSchema = Type.Object({
  completion_id: Type.String(),
  task_id: Type.String(),
  task_code: Type.String(),
  period: Type.String(),
  seq: Type.Integer({ description: "Which completion of the period this is" }),
  points: Type.Integer(),
  coupon_issue_id: Nullable(Type.String()),
});

const TaskIdParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Tasks completed by events the brand reports: read articles, post reviews, share, join a live stream… */
export const taskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.post(
    "/v1/engagement/tasks",
    {
      schema: {
        tags: ["engagement"],
        summary: "Create a task",
        description:
          "Every `events_required` events of `event_type` in a period complete the task once, up to `max_completions_per_period`; each completion pays `reward_points` and/or `reward_coupon`. The event type, period and events required are fixed once created.",
        body: Type.Object(
          {
            code: Code,
            name: Type.String({ minLength: 1, maxLength: 100 }),
            event_type: EventType,
            period: Period,
            events_required: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1 })),
            max_completions_per_period: Type.Optional(MaxCompletions),
            reward_points: Type.Optional(RewardPoints),
            reward_coupon: Type.Optional(Nullable(CouponCode)),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: TaskSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return command(request, reply, 201, async (tx) =>
        serializeTask(await createTask(tx, tenantId, request.body, now())),
      );
    },
  );

  app.get(
    "/v1/engagement/tasks",
    {
      schema: {
        tags: ["engagement"],
        summary: "The brand's tasks",
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(TaskSchema) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const page = await listTasks(db, tenantOf(request), {
        limit: request.query.limit ?? PAGE_LIMIT_DEFAULT,
        after: decodeCursor(request.query.cursor),
      });
      return { items: page.items.map(serializeTask), next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/v1/engagement/tasks/:task_id",
    {
      schema: {
        tags: ["engagement"],
        summary: "A task",
        params: TaskIdParams,
        response: { 200: TaskSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => serializeTask(await getTask(db, tenantOf(request), request.params.task_id)),
  );

  app.patch(
    "/v1/engagement/tasks/:task_id",
    {
      schema: {
        tags: ["engagement"],
        summary: "Rename, reward differently, change the cap, or switch a task off",
        params: TaskIdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            reward_points: Type.Optional(RewardPoints),
            reward_coupon: Type.Optional(Nullable(CouponCode)),
            max_completions_per_period: Type.Optional(MaxCompletions),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: TaskSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) =>
        serializeTask(await updateTask(tx, tenantId, request.params.task_id, request.body, now())),
      );
    },
  );

  app.post(
    "/v1/engagement/events",
    {
      schema: {
        tags: ["engagement"],
        summary: "Report what a member did (an article read, a review posted…)",
        description:
          "Counted towards every active task of that type in the period of `occurred_at` (brand-local). `ref` is your id for the event: sending it again counts nothing and answers the first outcome (`replayed: true`); another event under a used ref is a 409. Events more than 30 days old are refused (422).",
        body: Type.Object(
          {
            member_id: Type.String({ minLength: 1, maxLength: 64 }),
            type: EventType,
            ref: Type.String({ minLength: 1, maxLength: 128 }),
            occurred_at: Type.String({ format: "date-time" }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            ref: Type.String(),
            replayed: Type.Boolean(),
            completions: Type.Array(CompletionSchema),
            capped: Type.Array(Type.String(), {
              description: "Tasks this event would have completed but for the cap",
            }),
          }),
        },
      },
      config: { access: { apiKey: "write" } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const body = request.body;
      return retryOnConflict(() =>
        command(request, reply, 201, (tx) =>
          recordEngagementEvent(
            tx,
            tenantId,
            {
              member_id: body.member_id,
              type: body.type,
              ref: body.ref,
              occurred_at: new Date(body.occurred_at),
            },
            actor(request.principal),
            now(),
          ),
        ),
      );
    },
  );

  app.get(
    "/v1/me/tasks",
    {
      schema: {
        tags: ["member center"],
        summary: "My tasks and my progress in this period",
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                task_id: Type.String(),
                code: Type.String(),
                name: Type.String(),
                event_type: Type.String(),
                period: Period,
                period_key: Type.String(),
                events_required: Type.Integer(),
                events: Type.Integer({ description: "Events counted this period" }),
                completions: Type.Integer(),
                max_completions: Type.Integer(),
                reward_points: Type.Integer(),
                reward_coupon: Nullable(Type.String()),
                done: Type.Boolean({ description: "No more rewards this period" }),
              }),
            ),
          }),
        },
      },
      config: { access: { member: true } },
    },
    async (request) => ({
      items: await memberTasks(db, tenantOf(request), memberOf(request.principal), now()),
    }),
  );
};
