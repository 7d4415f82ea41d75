import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { Value } from "typebox/value";
import { getMember, memberLabels } from "../../members/service.ts";
import { actorOf, HQ_ROLES, type Principal, tenantOf } from "../../platform/auth/principal.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { command } from "../../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../../platform/http/pagination.ts";
import { Problem } from "../../platform/http/problems.ts";
import { createReward, listRewards, type Reward, updateReward } from "./catalog.ts";
import { fulfil, listRedemptions, memberCatalog, type Redemption, redeemReward } from "./redemption.ts";
import {
  AddressSchema,
  BrandRedeemBody,
  BrandRedemptionSchema,
  FulfilmentBody,
  RedeemBody,
  RedemptionSchema,
  RewardBody,
  RewardPatchBody,
  RewardSchema,
} from "./schemas.ts";

/** The points mall: the catalog (HQ), redeeming (members, the brand's checkout, staff), fulfilment (HQ). */

const serializeReward = (r: Reward) => ({
  ...r,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
const serializeRedemption = (r: Redemption, replayed = false) => ({
  ...r,
  shipping_address: r.shipping_address ? Value.Parse(AddressSchema, r.shipping_address) : null,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
  replayed,
});

const StatusFilter = Type.Union([
  Type.Literal("fulfilled"),
  Type.Literal("pending_fulfilment"),
  Type.Literal("shipped"),
  Type.Literal("delivered"),
  Type.Literal("cancelled"),
]);

function memberOf(principal: Principal | undefined): string {
  if (principal?.kind !== "member") throw new Problem("forbidden");
  return principal.memberId;
}

export const mallRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const merchandisers = { apiKey: "write", staff: HQ_ROLES } as const;
  const RewardIdParams = Type.Object({ reward_id: Type.String({ minLength: 1, maxLength: 64 }) });

  app.post(
    "/v1/mall/rewards",
    {
      schema: {
        tags: ["points mall"],
        summary:
          "Add a reward: a coupon, physical goods with stock, or a voucher, priced in points (or points + cash)",
        body: RewardBody,
        response: { 201: RewardSchema },
      },
      config: { access: merchandisers },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serializeReward(await createReward(tx, tenantOf(request), request.body, now())),
      ),
  );

  app.get(
    "/v1/mall/rewards",
    {
      schema: {
        tags: ["points mall"],
        summary: "The catalog",
        querystring: Type.Object({ active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(RewardSchema) }) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => ({
      items: (await listRewards(db, tenantOf(request), { activeOnly: request.query.active === true })).map(
        serializeReward,
      ),
    }),
  );

  app.patch(
    "/v1/mall/rewards/:reward_id",
    {
      schema: {
        tags: ["points mall"],
        summary: "Change a reward: price, stock (by a delta), limits, tiers, on or off",
        params: RewardIdParams,
        body: RewardPatchBody,
        response: { 200: RewardSchema },
      },
      config: { access: merchandisers },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeReward(
          await updateReward(tx, tenantOf(request), request.params.reward_id, request.body, now()),
        ),
      ),
  );

  app.post(
    "/v1/members/:member_id/mall/redemptions",
    {
      schema: {
        tags: ["points mall"],
        summary:
          "Redeem a reward for a member (the brand's checkout for points + cash, or staff at the counter)",
        description:
          "Points, stock and the per-member limit are taken together or not at all. The same `reference` again redeems nothing and answers the first result.",
        params: Type.Object({ member_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: BrandRedeemBody,
        response: { 200: RedemptionSchema, 201: RedemptionSchema },
      },
      config: { access: { apiKey: "write", staff: "all" } },
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      const result = await retryOnConflict(() =>
        db.transaction().execute(async (tx) => {
          const member = await getMember(tx, tenantId, request.params.member_id, principal);
          return redeemReward(
            tx,
            tenantId,
            {
              ...request.body,
              member_id: member.member_id,
              via: "brand",
              actor: principal ? actorOf(principal) : "unknown",
            },
            now(),
          );
        }),
      );
      app.platform.events.poke();
      return reply.code(result.replayed ? 200 : 201).send(serializeRedemption(result, result.replayed));
    },
  );

  app.get(
    "/v1/mall/redemptions",
    {
      schema: {
        tags: ["points mall"],
        summary: "Redemptions, newest first: what to ship",
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(StatusFilter),
            member_id: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(BrandRedemptionSchema) },
      },
      config: { access: { apiKey: "read", staff: HQ_ROLES } },
    },
    async (request) => {
      const q = request.query;
      const tenantId = tenantOf(request);
      const page = await listRedemptions(
        db,
        tenantId,
        { member_id: q.member_id, status: q.status },
        { limit: q.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(q.cursor) },
      );
      // One query for the page's members, through their service (their table is theirs).
      const labels = await memberLabels(
        db,
        tenantId,
        page.items.map((r) => r.member_id),
      );
      return {
        items: page.items.map((r) => ({
          ...serializeRedemption(r),
          member_name: labels.get(r.member_id)?.name ?? null,
          member_card_no: labels.get(r.member_id)?.card_no ?? null,
        })),
        next_cursor: page.next_cursor,
      };
    },
  );

  app.patch(
    "/v1/mall/redemptions/:redemption_id",
    {
      schema: {
        tags: ["points mall"],
        summary:
          "Fulfilment: shipped (with tracking number), delivered, or cancelled before shipping (points and stock come back)",
        params: Type.Object({ redemption_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: FulfilmentBody,
        response: { 200: RedemptionSchema },
      },
      config: { access: merchandisers },
    },
    async (request, reply) => {
      const principal = request.principal;
      return command(request, reply, 200, async (tx) =>
        serializeRedemption(
          await fulfil(
            tx,
            tenantOf(request),
            request.params.redemption_id,
            request.body,
            principal ? actorOf(principal) : "unknown",
            now(),
          ),
        ),
      );
    },
  );

  // ——— member center ———

  app.get(
    "/v1/me/mall/rewards",
    {
      schema: {
        tags: ["member center"],
        summary: "Rewards I can see, and whether I can redeem each now",
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                ...RewardSchema.properties,
                redeemable: Type.Boolean(),
                reason: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
        },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const catalog = await memberCatalog(
        db,
        tenantId,
        memberOf(request.principal),
        await listRewards(db, tenantId, { activeOnly: true }),
        now(),
      );
      return {
        items: catalog.map((c) => ({
          ...serializeReward(c.reward),
          redeemable: c.blocker === undefined,
          reason: c.blocker ?? null,
        })),
      };
    },
  );

  app.post(
    "/v1/me/mall/redemptions",
    {
      schema: {
        tags: ["member center"],
        summary: "Redeem a reward with my points",
        body: RedeemBody,
        response: { 200: RedemptionSchema, 201: RedemptionSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      const result = await retryOnConflict(() =>
        db
          .transaction()
          .execute((tx) =>
            redeemReward(
              tx,
              tenantId,
              { ...request.body, member_id: memberId, via: "member", actor: memberId },
              now(),
            ),
          ),
      );
      app.platform.events.poke();
      return reply.code(result.replayed ? 200 : 201).send(serializeRedemption(result, result.replayed));
    },
  );

  app.get(
    "/v1/me/mall/redemptions",
    {
      schema: {
        tags: ["member center"],
        summary: "My redemptions",
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(RedemptionSchema) },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const page = await listRedemptions(
        db,
        tenantOf(request),
        { member_id: memberOf(request.principal) },
        { limit: request.query.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(request.query.cursor) },
      );
      return { items: page.items.map((r) => serializeRedemption(r)), next_cursor: page.next_cursor };
    },
  );
};
