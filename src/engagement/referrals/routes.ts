import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember } from "../../members/service.ts";
import { tenantOf } from "../../platform/auth/principal.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { command } from "../../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../../platform/http/pagination.ts";
import { Problem } from "../../platform/http/problems.ts";
import { actor, memberOf, MemberIdParams, Nullable } from "../http.ts";
import { BIND_REFUSALS } from "./rules.ts";
import { bindReferral, listInvitees, referralSummary } from "./service.ts";
import type { Referral } from "./store.ts";

const RewardState = Nullable(
  Type.Union([Type.Literal("paid"), Type.Literal("capped")], {
    description: "paid, or capped: the inviter's monthly limit withheld the inviter's reward",
  }),
);

const ReferralSchema = Type.Object({
  referral_id: Type.String(),
  inviter_id: Type.String(),
  invitee_id: Type.String(),
  code: Type.String(),
  status: Type.Union([Type.Literal("active"), Type.Literal("rejected")]),
  reject_reason: Nullable(Type.String()),
  join_reward: RewardState,
  first_order_id: Nullable(Type.String()),
  first_order_reward: RewardState,
  created_at: Type.String({ format: "date-time" }),
});

const serialize = (r: Referral) => ({ ...r, created_at: r.created_at.toISOString() });

const SummarySchema = Type.Object({
  code: Type.String({ description: "My invite code" }),
  scene_key: Type.String({
    description:
      "Put this in the join link or QR code (`scene_key` when joining): the new member is bound to me",
  }),
  invited_by: Nullable(Type.String()),
  invitees: Type.Integer(),
  rewarded_this_month: Type.Integer(),
  limit_per_month: Type.Integer(),
});

const BindBody = Type.Object(
  {
    code: Type.String({ minLength: 4, maxLength: 16, pattern: "^[0-9A-Za-z]+$" }),
    device_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: "The app's device identifier: one device counts as an invitee once",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Invite friends: codes and links, binding a new member to their inviter, and what each side earned. */
export const referralRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  async function bind(
    tx: Parameters<typeof bindReferral>[0],
    tenantId: string,
    inviteeId: string,
    body: { code: string; device_id?: string | undefined },
    who: string,
  ) {
    const outcome = await bindReferral(
      tx,
      tenantId,
      { invitee_id: inviteeId, code: body.code, device_id: body.device_id ?? null, record_refusal: false },
      who,
      now(),
    );
    if ("refused" in outcome) {
      const detail = BIND_REFUSALS[outcome.refused];
      throw new Problem("business-rule", detail, {
        errors: [{ in: "body", field: "/code", message: detail }],
        extensions: { reason: outcome.refused },
      });
    }
    return serialize(outcome.referral);
  }

  app.get(
    "/v1/me/referral",
    {
      schema: {
        tags: ["member center"],
        summary: "My invite code and link scene, who invited me, and how many I invited",
        response: { 200: SummarySchema },
      },
      config: { access: { member: true } },
    },
    async (request) => referralSummary(db, tenantOf(request), memberOf(request.principal), now()),
  );

  app.post(
    "/v1/me/referral",
    {
      schema: {
        tags: ["member center"],
        summary: "Name the friend who invited me (by their invite code)",
        description:
          "Within the brand's window after joining (default 7 days). Refused with 422 `business-rule` and a `reason`: self_referral, same_phone, same_device, joined_before_inviter, window_passed, … Pays both sides' join rewards.",
        body: BindBody,
        response: { 201: ReferralSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      return retryOnConflict(() =>
        command(request, reply, 201, (tx) => bind(tx, tenantId, memberId, request.body, memberId)),
      );
    },
  );

  app.get(
    "/v1/me/referral/invitees",
    {
      schema: {
        tags: ["member center"],
        summary: "The friends I invited, newest first",
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(ReferralSchema) },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const page = await listInvitees(db, tenantOf(request), memberOf(request.principal), {
        limit: request.query.limit ?? PAGE_LIMIT_DEFAULT,
        before: decodeCursor(request.query.cursor),
      });
      return { items: page.items.map(serialize), next_cursor: page.next_cursor };
    },
  );

  app.post(
    "/v1/members/:member_id/referral",
    {
      schema: {
        tags: ["engagement"],
        summary: "Bind a member to the inviter whose code they gave (from the brand's own app)",
        params: MemberIdParams,
        body: BindBody,
        response: { 201: ReferralSchema },
      },
      config: { access: { apiKey: "write" } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return retryOnConflict(() =>
        command(request, reply, 201, async (tx) => {
          await getMember(tx, tenantId, request.params.member_id);
          return bind(tx, tenantId, request.params.member_id, request.body, actor(request.principal));
        }),
      );
    },
  );

  app.get(
    "/v1/members/:member_id/referrals",
    {
      schema: {
        tags: ["engagement"],
        summary: "Whom a member invited (refused attempts included, with their reason), newest first",
        params: MemberIdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(ReferralSchema) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      const page = await listInvitees(db, tenantId, request.params.member_id, {
        limit: request.query.limit ?? PAGE_LIMIT_DEFAULT,
        before: decodeCursor(request.query.cursor),
      });
      return { items: page.items.map(serialize), next_cursor: page.next_cursor };
    },
  );
};
