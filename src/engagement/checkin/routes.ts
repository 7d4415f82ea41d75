import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember } from "../../members/service.ts";
import { tenantOf } from "../../platform/auth/principal.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { command } from "../../platform/http/command.ts";
import { actor, DayString, memberOf, MemberIdParams, MonthString, Nullable } from "../http.ts";
import { checkinCalendar } from "./calendar.ts";
import { checkIn, makeUp } from "./service.ts";

const KindSchema = Type.Union([Type.Literal("regular"), Type.Literal("makeup")]);

const CheckinResultSchema = Type.Object({
  day: DayString,
  kind: KindSchema,
  streak: Type.Integer({ description: "Consecutive days ending on this day" }),
  points: Type.Integer({ description: "Points this check-in earned (make-ups earn none)" }),
  cost_points: Type.Integer({ description: "What a make-up cost" }),
  streak_rewards: Type.Array(
    Type.Object({ days: Type.Integer(), points: Type.Integer(), coupon_issue_id: Nullable(Type.String()) }),
    { description: "Streak milestones this check-in reached" },
  ),
});

const CalendarSchema = Type.Object({
  month: MonthString,
  today: DayString,
  checked_in_today: Type.Boolean(),
  current_streak: Type.Integer(),
  next_streak_reward: Nullable(
    Type.Object({
      days: Type.Integer(),
      points: Type.Integer(),
      coupon: Nullable(Type.String()),
      days_to_go: Type.Integer(),
    }),
  ),
  days: Type.Array(
    Type.Object({
      day: DayString,
      checked_in: Type.Boolean(),
      kind: Nullable(KindSchema),
      streak: Nullable(Type.Integer()),
      can_make_up: Type.Boolean(),
    }),
  ),
  makeup: Type.Object({
    enabled: Type.Boolean(),
    cost_points: Type.Integer(),
    left_this_month: Type.Integer(),
  }),
});

const CalendarQuery = Type.Object({ month: Type.Optional(MonthString) }, { additionalProperties: false });

/** Daily check-in in the brand's time zone: the member center's button and calendar, and the brand's backend. */
export const checkinRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.post(
    "/v1/me/checkins",
    {
      schema: {
        tags: ["member center"],
        summary: "Check in today",
        description:
          "Earns the daily points and any streak reward reached (e.g. on the 3rd, 7th, 30th consecutive day). The day is the brand's local day; a second check-in that day is a 409 `conflict`.",
        response: { 201: CheckinResultSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      return retryOnConflict(() =>
        command(request, reply, 201, (tx) => checkIn(tx, tenantId, memberId, memberId, now())),
      );
    },
  );

  app.post(
    "/v1/me/checkins/makeup",
    {
      schema: {
        tags: ["member center"],
        summary: "Make up a missed day for points",
        description:
          "Within the brand's window (default 7 days back) and monthly allowance; costs `cost_points` (422 `insufficient-points` when short). Earns no daily points, but the streak through the day is joined up and any milestone it reaches is paid.",
        body: Type.Object({ day: DayString }, { additionalProperties: false }),
        response: { 201: CheckinResultSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      return retryOnConflict(() =>
        command(request, reply, 201, (tx) =>
          makeUp(tx, tenantId, memberId, request.body.day, memberId, now()),
        ),
      );
    },
  );

  app.get(
    "/v1/me/checkins",
    {
      schema: {
        tags: ["member center"],
        summary: "My check-in calendar for a month (default: this month)",
        querystring: CalendarQuery,
        response: { 200: CalendarSchema },
      },
      config: { access: { member: true } },
    },
    async (request) =>
      checkinCalendar(db, tenantOf(request), memberOf(request.principal), request.query.month, now()),
  );

  app.get(
    "/v1/members/:member_id/checkins",
    {
      schema: {
        tags: ["engagement"],
        summary: "A member's check-in calendar for a month",
        params: MemberIdParams,
        querystring: CalendarQuery,
        response: { 200: CalendarSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      return checkinCalendar(db, tenantId, request.params.member_id, request.query.month, now());
    },
  );

  app.post(
    "/v1/members/:member_id/checkins",
    {
      schema: {
        tags: ["engagement"],
        summary: "Check a member in today, from the brand's own app",
        params: MemberIdParams,
        response: { 201: CheckinResultSchema },
      },
      config: { access: { apiKey: "write" } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = request.params.member_id;
      return retryOnConflict(() =>
        command(request, reply, 201, (tx) =>
          checkIn(tx, tenantId, memberId, actor(request.principal), now()),
        ),
      );
    },
  );
};
