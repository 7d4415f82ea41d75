import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { businessRule, Problem } from "../platform/http/problems.ts";
import { MemberIdParams } from "../members/schemas.ts";
import { getMember } from "../members/service.ts";
import {
  createTier,
  getTier,
  getTierProgram,
  listTiers,
  type Tier,
  updateTier,
  updateTierProgram,
} from "./ladder.ts";
import {
  CancelBody,
  DistributionSchema,
  MemberTierSchema,
  PlanCreateBody,
  PlanIdParams,
  PlanPatchBody,
  PlanSchema,
  RenewBody,
  SubscriptionCreateBody,
  SubscriptionParams,
  SubscriptionSchema,
  TierCreateBody,
  TierIdParams,
  TierPatchBody,
  TierProgramPatch,
  TierProgramSchema,
  TierSchema,
} from "./schemas.ts";
import { memberTier, tierDistribution } from "./service.ts";
import { createPlan, listPlans, type Plan, updatePlan } from "./plans.ts";
import {
  cancelSubscription,
  recordSubscription,
  renewSubscription,
  type Subscription,
} from "./subscriptions.ts";

const serializeTier = (t: Tier) => ({
  ...t,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});
const serializePlan = (p: Plan) => ({ ...p, created_at: p.created_at.toISOString() });
const serializeSubscription = (s: Subscription) => ({
  ...s,
  starts_at: s.starts_at.toISOString(),
  ends_at: s.ends_at.toISOString(),
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
});

const Items = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item) });

export const tierRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  // The ladder is the brand's to design; integrators' write keys may script it.
  const configure = { apiKey: "write", staff: HQ_ROLES } as const;
  const read = { apiKey: "read", staff: "all" } as const;
  // Members see the ladder and the cards on sale in the member center.
  const readOrMember = { ...read, member: true } as const;

  // ——— the ladder ———

  app.get(
    "/v1/tiers",
    {
      schema: {
        tags: ["tiers"],
        summary: "The brand's tiers, free and paid, lowest rank first",
        response: { 200: Items(TierSchema) },
      },
      config: { access: readOrMember },
    },
    async (request) => ({ items: (await listTiers(db, tenantOf(request))).map(serializeTier) }),
  );

  app.post(
    "/v1/tiers",
    {
      schema: {
        tags: ["tiers"],
        summary: "Add a tier to the ladder",
        description:
          "A tier that breaks the ladder is a 422 naming the field: ranks are unique across free and paid tiers, " +
          "the lowest free tier has no thresholds, every other free tier at least one, and each metric's " +
          "threshold rises with rank.",
        body: TierCreateBody,
        response: { 201: TierSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serializeTier(await createTier(tx, tenantOf(request), request.body, now())),
      ),
  );

  app.get(
    "/v1/tiers/distribution",
    {
      schema: {
        tags: ["tiers"],
        summary: "Active members per tier, within the caller's scope",
        response: { 200: DistributionSchema },
      },
      config: { access: read },
    },
    async (request) => tierDistribution(db, tenantOf(request), now(), request.principal),
  );

  app.get(
    "/v1/tiers/:tier_id",
    {
      schema: { tags: ["tiers"], summary: "One tier", params: TierIdParams, response: { 200: TierSchema } },
      config: { access: readOrMember },
    },
    async (request) => serializeTier(await getTier(db, tenantOf(request), request.params.tier_id)),
  );

  app.patch(
    "/v1/tiers/:tier_id",
    {
      schema: {
        tags: ["tiers"],
        summary: "Change a tier's name, rank, qualification or benefits",
        description: "Members move at their next evaluation (an order, or the nightly review), not at once.",
        params: TierIdParams,
        body: TierPatchBody,
        response: { 200: TierSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeTier(await updateTier(tx, tenantOf(request), request.params.tier_id, request.body, now())),
      ),
  );

  app.get(
    "/v1/tier-program",
    {
      schema: {
        tags: ["tiers"],
        summary: "The ladder's settings: qualification window, grace period, steps down per review",
        response: { 200: TierProgramSchema },
      },
      config: { access: read },
    },
    async (request) => getTierProgram(db, tenantOf(request)),
  );

  app.patch(
    "/v1/tier-program",
    {
      schema: {
        tags: ["tiers"],
        summary: "Change the ladder's settings",
        body: TierProgramPatch,
        response: { 200: TierProgramSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        updateTierProgram(tx, tenantOf(request), request.body, now()),
      ),
  );

  // ——— paid plans ———

  app.get(
    "/v1/tier-plans",
    {
      schema: { tags: ["tiers"], summary: "Paid membership plans", response: { 200: Items(PlanSchema) } },
      config: { access: readOrMember },
    },
    async (request) => {
      const plans = await listPlans(db, tenantOf(request));
      // Members see what is on sale; retired plans are the brand's business.
      const visible = request.principal?.kind === "member" ? plans.filter((p) => p.active) : plans;
      return { items: visible.map(serializePlan) };
    },
  );

  app.post(
    "/v1/tier-plans",
    {
      schema: {
        tags: ["tiers"],
        summary: "Offer a paid tier as a plan (month, season or year; optional trial)",
        body: PlanCreateBody,
        response: { 201: PlanSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) =>
        serializePlan(await createPlan(tx, tenantOf(request), request.body, now())),
      ),
  );

  app.patch(
    "/v1/tier-plans/:plan_id",
    {
      schema: {
        tags: ["tiers"],
        summary: "Rename, reprice or retire a plan",
        params: PlanIdParams,
        body: PlanPatchBody,
        response: { 200: PlanSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializePlan(await updatePlan(tx, tenantOf(request), request.params.plan_id, request.body)),
      ),
  );

  // ——— a member's paid memberships, recorded by the brand's payment system ———

  const recordAccess = { apiKey: "write", staff: HQ_ROLES } as const;

  app.post(
    "/v1/members/:member_id/tier-subscriptions",
    {
      schema: {
        tags: ["tiers"],
        summary: "Record a paid membership bought through the brand's payment system",
        description:
          "Idempotent on `external_id`: the same id again returns the first record with `replayed: true`; " +
          "the same id for another member or plan is a 409.",
        params: MemberIdParams,
        body: SubscriptionCreateBody,
        response: { 201: Type.Object({ ...SubscriptionSchema.properties, replayed: Type.Boolean() }) },
      },
      config: { access: recordAccess },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const { starts_at, ...body } = request.body;
      return command(request, reply, 201, async (tx) => {
        const member = await getMember(tx, tenantId, request.params.member_id, request.principal);
        if (member.status !== "active") throw businessRule(`member ${member.member_id} is ${member.status}`);
        const result = await recordSubscription(
          tx,
          tenantId,
          member.member_id,
          { ...body, ...(starts_at !== undefined ? { starts_at: new Date(starts_at) } : {}) },
          now(),
        );
        return { ...serializeSubscription(result.subscription), replayed: result.replayed };
      });
    },
  );

  app.post(
    "/v1/members/:member_id/tier-subscriptions/:subscription_id/renew",
    {
      schema: {
        tags: ["tiers"],
        summary: "Extend a paid membership by whole plan durations (a trial becomes paid)",
        params: SubscriptionParams,
        body: RenewBody,
        response: { 200: SubscriptionSchema },
      },
      config: { access: recordAccess },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) => {
        const member = await getMember(tx, tenantId, request.params.member_id, request.principal);
        const renewed = await renewSubscription(
          tx,
          tenantId,
          member.member_id,
          request.params.subscription_id,
          request.body.periods ?? 1,
          now(),
        );
        return serializeSubscription(renewed);
      });
    },
  );

  app.post(
    "/v1/members/:member_id/tier-subscriptions/:subscription_id/cancel",
    {
      schema: {
        tags: ["tiers"],
        summary: "End a paid membership now (refunded by the payment system)",
        params: SubscriptionParams,
        body: CancelBody,
        response: { 200: SubscriptionSchema },
      },
      config: { access: recordAccess },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) => {
        const member = await getMember(tx, tenantId, request.params.member_id, request.principal);
        const cancelled = await cancelSubscription(
          tx,
          tenantId,
          member.member_id,
          request.params.subscription_id,
          request.body.reason,
          now(),
        );
        return serializeSubscription(cancelled);
      });
    },
  );

  // ——— where a member stands ———

  app.get(
    "/v1/members/:member_id/tier",
    {
      schema: {
        tags: ["tiers"],
        summary: "A member's effective tier, benefits, progress and distance to the next tier",
        params: MemberIdParams,
        response: { 200: MemberTierSchema },
      },
      config: { access: read },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const member = await getMember(db, tenantId, request.params.member_id, request.principal);
      return memberTier(db, tenantId, member.member_id, now());
    },
  );

  app.get(
    "/v1/me/tier",
    {
      schema: {
        tags: ["member center"],
        summary: "The signed-in member's tier, benefits and distance to the next tier",
        response: { 200: MemberTierSchema },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const principal = request.principal;
      if (principal?.kind !== "member") throw new Problem("forbidden");
      return memberTier(db, principal.tenantId, principal.memberId, now());
    },
  );
};
