import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember } from "../members/service.ts";
import { actorOf, HQ_ROLES, type Principal, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PageOf, PageQuery, PAGE_LIMIT_DEFAULT } from "../platform/http/pagination.ts";
import { Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { checkLedger } from "./audit.ts";
import { grantProgramPoints } from "./grants.ts";
import { spendPoints } from "./movements.ts";
import {
  createEarnRule,
  EarnRuleDefinitionSchema,
  getProgram,
  listEarnRules,
  ProgramSettingsSchema,
  updateEarnRule,
  updateProgram,
  type EarnRuleRow,
} from "./program.ts";
import { getBalance, getHistory, getLiability } from "./queries.ts";

const BalanceSchema = Type.Object({
  member_id: Type.String(),
  available: Type.Integer({ description: "Spendable now" }),
  pending: Type.Integer({ description: "Earned from orders still inside their return window" }),
  owed: Type.Integer({
    description: "Points owed after refunds of points already spent; later points pay it back first",
  }),
  growth: Type.Integer({ description: "Growth value: never spent, decides the tier" }),
  expiring_soon: Type.Array(
    Type.Object({ expires_at: Type.String({ format: "date-time" }), points: Type.Integer() }),
  ),
  next_expiry: Type.Union([
    Type.Object({ expires_at: Type.String({ format: "date-time" }), points: Type.Integer() }),
    Type.Null(),
  ]),
});

const HistoryEntrySchema = Type.Object({
  entry_id: Type.String(),
  currency: Type.Union([Type.Literal("points"), Type.Literal("growth")]),
  kind: Type.String({ description: "earn, activate, spend, adjust, reverse, expire, merge" }),
  amount: Type.Integer({ description: "Change to the member's points (pending → available moves count 0)" }),
  reason: Type.String(),
  rule_id: Type.Union([Type.String(), Type.Null()]),
  source_type: Type.String(),
  source_id: Type.Union([Type.String(), Type.Null()]),
  actor: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
  occurred_at: Type.String({ format: "date-time" }),
});

const MovementSchema = Type.Object({
  entry_id: Type.String(),
  amount: Type.Integer(),
  balance_after: Type.Integer(),
  replayed: Type.Boolean(),
});
const MemberIdParams = Type.Object({ member_id: Type.String({ minLength: 1, maxLength: 64 }) });

const EarnRuleSchema = Type.Object({
  rule_id: Type.String(),
  name: Type.String(),
  definition: EarnRuleDefinitionSchema,
  active: Type.Boolean(),
  starts_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  ends_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});
const serializeRule = (r: EarnRuleRow) => ({
  ...r,
  starts_at: r.starts_at?.toISOString() ?? null,
  ends_at: r.ends_at?.toISOString() ?? null,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

function memberOf(principal: Principal | undefined): string {
  if (principal?.kind !== "member") throw new Problem("forbidden");
  return principal.memberId;
}

export const pointsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const readers = { apiKey: "read", staff: "all" } as const;

  const historyQuery = Type.Object(
    { ...PageQuery, currency: Type.Optional(Type.Union([Type.Literal("points"), Type.Literal("growth")])) },
    { additionalProperties: false },
  );
  const serializeHistory = (page: Awaited<ReturnType<typeof getHistory>>) => ({
    items: page.items.map((e) => ({ ...e, occurred_at: e.occurred_at.toISOString() })),
    next_cursor: page.next_cursor,
  });

  app.get(
    "/v1/members/:member_id/points",
    {
      schema: {
        tags: ["points"],
        summary: "Points balance: available, pending, owed, expiring soon",
        params: MemberIdParams,
        response: { 200: BalanceSchema },
      },
      config: { access: readers },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      return getBalance(db, tenantId, request.params.member_id, now());
    },
  );

  app.get(
    "/v1/members/:member_id/points/history",
    {
      schema: {
        tags: ["points"],
        summary: "Every points and growth change, newest first, with the rule, order or person behind it",
        params: MemberIdParams,
        querystring: historyQuery,
        response: { 200: PageOf(HistoryEntrySchema) },
      },
      config: { access: readers },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      const q = request.query;
      return serializeHistory(
        await getHistory(db, tenantId, request.params.member_id, {
          limit: q.limit ?? PAGE_LIMIT_DEFAULT,
          before: decodeCursor(q.cursor),
          currency: q.currency,
        }),
      );
    },
  );

  app.post(
    "/v1/members/:member_id/points/spend",
    {
      schema: {
        tags: ["points"],
        summary: "Spend points (rewards, checkout offset); never overdraws",
        description:
          "`reference` is the business key of what the points pay for: the same reference again spends nothing and returns the first result.",
        params: MemberIdParams,
        body: Type.Object(
          {
            amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
            reason: Type.String({ minLength: 1, maxLength: 200 }),
            reference: Type.String({ minLength: 1, maxLength: 128 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: MovementSchema },
      },
      config: { access: { apiKey: "write" } },
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      return command(request, reply, 201, async (tx) => {
        await getMember(tx, tenantId, request.params.member_id);
        const body = request.body;
        return spendPoints(
          tx,
          tenantId,
          {
            member_id: request.params.member_id,
            amount: body.amount,
            reason: body.reason,
            source_type: "api",
            source_id: body.reference,
            actor: principal ? actorOf(principal) : "unknown",
          },
          now(),
        );
      });
    },
  );

  app.post(
    "/v1/members/:member_id/points/adjustments",
    {
      schema: {
        tags: ["points"],
        summary: "Adjust a member's points by hand, with a reason (audited)",
        params: MemberIdParams,
        body: Type.Object(
          {
            amount: Type.Integer({
              minimum: -1_000_000_000,
              maximum: 1_000_000_000,
              description:
                "Positive adds points (a lot that expires per the program); negative removes available points",
            }),
            reason: Type.String({ minLength: 3, maxLength: 200 }),
            reference: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 128,
                description: "Business key; defaults to a new one (use Idempotency-Key to retry safely)",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: MovementSchema },
      },
      config: { access: { apiKey: "write", staff: [...HQ_ROLES, "store_manager"] } },
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      const body = request.body;
      if (body.amount === 0)
        throw new Problem("validation-failed", "amount must not be zero", {
          errors: [{ in: "body", field: "/amount", message: "must not be zero" }],
        });
      const actor = principal ? actorOf(principal) : "unknown";
      return command(request, reply, 201, async (tx) => {
        await getMember(tx, tenantId, request.params.member_id, principal);
        const reference = body.reference ?? newId("journal");
        const at = now();
        const result =
          body.amount > 0
            ? await grantProgramPoints(
                tx,
                tenantId,
                {
                  member_id: request.params.member_id,
                  amount: body.amount,
                  reason: body.reason,
                  source_type: "manual",
                  source_id: reference,
                  actor,
                },
                at,
              )
            : await spendPoints(
                tx,
                tenantId,
                {
                  member_id: request.params.member_id,
                  amount: -body.amount,
                  reason: body.reason,
                  source_type: "manual",
                  source_id: reference,
                  actor,
                  kind: "adjust",
                },
                at,
              );
        await tx
          .insertInto("audit_log")
          .values({
            tenant_id: tenantId,
            audit_id: newId("event"),
            actor,
            action: "points.adjust",
            subject_id: request.params.member_id,
            detail: JSON.stringify({
              amount: body.amount,
              reason: body.reason,
              reference,
              entry_id: result.entry_id,
            }),
            at,
          })
          .execute();
        return result;
      });
    },
  );

  app.get(
    "/v1/points/liability",
    {
      schema: {
        tags: ["points"],
        summary: "Outstanding points liability, issued / redeemed / expired totals and breakage",
        response: {
          200: Type.Object({
            outstanding: Type.Integer(),
            available: Type.Integer(),
            pending: Type.Integer(),
            owed: Type.Integer(),
            issued: Type.Integer(),
            redeemed: Type.Integer(),
            expired: Type.Integer(),
            reversed: Type.Integer(),
            adjusted: Type.Integer(),
            breakage_rate: Type.Number(),
            members_with_points: Type.Integer(),
          }),
        },
      },
      config: { access: { apiKey: "read", staff: HQ_ROLES } },
    },
    async (request) => getLiability(db, tenantOf(request)),
  );

  app.get(
    "/v1/points/check",
    {
      schema: {
        tags: ["points"],
        summary:
          "Check the ledger's invariants for this brand (balanced entries, balances = postings = lots)",
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            problems: Type.Array(Type.String()),
            entries: Type.Integer(),
          }),
        },
      },
      config: { access: { apiKey: "read", staff: HQ_ROLES } },
    },
    async (request) => checkLedger(db, tenantOf(request)),
  );

  app.get(
    "/v1/points/program",
    {
      schema: {
        tags: ["points"],
        summary: "The points program's settings",
        response: { 200: ProgramSettingsSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => getProgram(db, tenantOf(request)),
  );

  app.patch(
    "/v1/points/program",
    {
      schema: {
        tags: ["points"],
        summary: "Change the program: return window, expiry, refund policy, unmatched orders",
        body: Type.Partial(ProgramSettingsSchema, { additionalProperties: false }),
        response: { 200: ProgramSettingsSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) =>
      command(request, reply, 200, (tx) => updateProgram(tx, tenantOf(request), request.body, now())),
  );

  app.get(
    "/v1/earn-rules",
    {
      schema: {
        tags: ["points"],
        summary: "Earn rules",
        response: { 200: Type.Object({ items: Type.Array(EarnRuleSchema) }) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => ({ items: (await listEarnRules(db, tenantOf(request))).map(serializeRule) }),
  );

  const RuleWindow = {
    starts_at: Type.Optional(Type.Union([Type.String({ format: "date-time" }), Type.Null()])),
    ends_at: Type.Optional(Type.Union([Type.String({ format: "date-time" }), Type.Null()])),
  };
  const toDate = (v: string | null | undefined) =>
    v === undefined ? undefined : v === null ? null : new Date(v);

  app.post(
    "/v1/earn-rules",
    {
      schema: {
        tags: ["points"],
        summary:
          "Add an earn rule: base rate, multiplier (channel, store, category, tier, weekday, member day), bonus or cap",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            definition: EarnRuleDefinitionSchema,
            active: Type.Optional(Type.Boolean()),
            ...RuleWindow,
          },
          { additionalProperties: false },
        ),
        response: { 201: EarnRuleSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const b = request.body;
      return command(request, reply, 201, async (tx) =>
        serializeRule(
          await createEarnRule(
            tx,
            tenantOf(request),
            {
              name: b.name,
              definition: b.definition,
              active: b.active,
              starts_at: toDate(b.starts_at),
              ends_at: toDate(b.ends_at),
            },
            now(),
          ),
        ),
      );
    },
  );

  app.patch(
    "/v1/earn-rules/:rule_id",
    {
      schema: {
        tags: ["points"],
        summary: "Change, pause or time-box an earn rule",
        params: Type.Object({ rule_id: Type.String({ maxLength: 64 }) }),
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            definition: Type.Optional(EarnRuleDefinitionSchema),
            active: Type.Optional(Type.Boolean()),
            ...RuleWindow,
          },
          { additionalProperties: false },
        ),
        response: { 200: EarnRuleSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const b = request.body;
      return command(request, reply, 200, async (tx) =>
        serializeRule(
          await updateEarnRule(
            tx,
            tenantOf(request),
            request.params.rule_id,
            {
              ...(b.name !== undefined ? { name: b.name } : {}),
              ...(b.definition ? { definition: b.definition } : {}),
              ...(b.active !== undefined ? { active: b.active } : {}),
              starts_at: toDate(b.starts_at),
              ends_at: toDate(b.ends_at),
            },
            now(),
          ),
        ),
      );
    },
  );

  // ——— member center ———

  app.get(
    "/v1/me/points",
    {
      schema: { tags: ["member center"], summary: "My points", response: { 200: BalanceSchema } },
      config: { access: { member: true } },
    },
    async (request) => getBalance(db, tenantOf(request), memberOf(request.principal), now()),
  );

  app.get(
    "/v1/me/points/history",
    {
      schema: {
        tags: ["member center"],
        summary: "My points history",
        querystring: historyQuery,
        response: { 200: PageOf(HistoryEntrySchema) },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const q = request.query;
      return serializeHistory(
        await getHistory(db, tenantOf(request), memberOf(request.principal), {
          limit: q.limit ?? PAGE_LIMIT_DEFAULT,
          before: decodeCursor(q.cursor),
          currency: q.currency,
        }),
      );
    },
  );
};
