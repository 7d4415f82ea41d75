import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { IssueResultSchema, serializeIssue } from "../../coupons/views.ts";
import { HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { command } from "../../platform/http/command.ts";
import { DayString, memberOf, Nullable } from "../http.ts";
import { CouponCode, MemberDaySettingsSchema } from "../settings-schema.ts";
import { claimMemberDayCoupon, memberDayFor, setMemberDay } from "./service.ts";

const { earn_rule_id: _ruleId, ...inputFields } = MemberDaySettingsSchema.properties;
const MemberDayInput = Type.Object(inputFields, { additionalProperties: false });

/** The monthly member day: a points multiplier on orders and coupons only members can claim that day. */
export const memberDayRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.put(
    "/v1/engagement/member-day",
    {
      schema: {
        tags: ["engagement"],
        summary: "Set the member day",
        description:
          'Keeps a points earn rule named "Member day" in step (a multiplier on that day of the month; see GET /v1/earn-rules): orders on the brand-local day earn `points_multiplier` × base, added to other multipliers. `earn_rule_id` in the answer names it.',
        body: MemberDayInput,
        response: { 200: MemberDaySettingsSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return command(request, reply, 200, (tx) => setMemberDay(tx, tenantId, request.body, now()));
    },
  );

  app.get(
    "/v1/me/member-day",
    {
      schema: {
        tags: ["member center"],
        summary: "The member day: when it is, and its coupons",
        response: {
          200: Type.Object({
            enabled: Type.Boolean(),
            day_of_month: Type.Integer(),
            points_multiplier: Type.Number(),
            today: DayString,
            next_member_day: Nullable(DayString),
            is_member_day: Type.Boolean(),
            coupons: Type.Array(
              Type.Object({ template_code: Type.String(), claimed_this_month: Type.Boolean() }),
            ),
          }),
        },
      },
      config: { access: { member: true } },
    },
    async (request) => memberDayFor(db, tenantOf(request), memberOf(request.principal), now()),
  );

  app.post(
    "/v1/me/member-day/coupons",
    {
      schema: {
        tags: ["member center"],
        summary: "Claim a member day coupon (on member day only; each once a month)",
        description:
          "Outside member day a 422 `business-rule`; a second claim in the month a 409 `conflict`; a used-up budget a 409 `insufficient-stock`.",
        body: Type.Object({ template_code: CouponCode }, { additionalProperties: false }),
        response: { 201: IssueResultSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      return retryOnConflict(() =>
        command(request, reply, 201, async (tx) =>
          serializeIssue(
            await claimMemberDayCoupon(tx, tenantId, memberId, request.body.template_code, now()),
          ),
        ),
      );
    },
  );
};
