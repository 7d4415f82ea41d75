import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { serializeMember } from "../members/routes.ts";
import { MemberIdParams, MemberSchema } from "../members/schemas.ts";
import { findMember, getMember, joinMember, parsePhone } from "../members/service.ts";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { recordEvent } from "../platform/events.ts";
import { command } from "../platform/http/command.ts";
import { Problem } from "../platform/http/problems.ts";
import { findTenantBySlug } from "../tenants/service.ts";
import {
  createApiKey,
  createOtpChallenge,
  createStaff,
  listApiKeys,
  listStaff,
  logIn,
  openMemberSession,
  revokeApiKey,
  revokeSession,
  updateStaff,
  verifyOtp,
} from "./service.ts";

const RoleSchema = Type.Union([
  Type.Literal("owner"),
  Type.Literal("hq_operator"),
  Type.Literal("region_manager"),
  Type.Literal("store_manager"),
  Type.Literal("guide"),
]);
const Timestamp = Type.String({ format: "date-time" });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const ApiKeySchema = Type.Object(
  {
    api_key_id: Type.String(),
    name: Type.String(),
    scope: Type.Union([Type.Literal("read"), Type.Literal("write")]),
    created_at: Timestamp,
    last_used_at: NullableTimestamp,
    revoked_at: NullableTimestamp,
  },
  { $id: "ApiKey" },
);
const StaffSchema = Type.Object(
  {
    staff_id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    org_unit_id: Type.String(),
    status: Type.Union([Type.Literal("active"), Type.Literal("disabled")]),
    created_at: Timestamp,
  },
  { $id: "Staff" },
);
const SessionSchema = Type.Object({
  token: Type.String({ description: "Send as `Authorization: Bearer <token>`" }),
  expires_at: Timestamp,
});

/** Sign-in and code requests are public: throttled per address and account to blunt guessing. */
const LOGIN_RATE = { max: 10, timeWindow: "1 minute", hook: "preValidation" } as const;
const OTP_RATE = { max: 5, timeWindow: "1 minute", hook: "preValidation" } as const;

/** Throttle per account (brand + email or phone), whichever address the attempts come from. */
function accountKey(purpose: string, ...fields: string[]) {
  return (request: { body: unknown }) => {
    const body = (typeof request.body === "object" && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    return [
      purpose,
      ...fields.map((f) => (typeof body[f] === "string" ? body[f] : "").toLowerCase().slice(0, 100)),
    ].join("|");
  };
}

export const accessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  async function tenantBySlug(slug: string) {
    const tenant = await findTenantBySlug(db, slug);
    if (!tenant)
      throw new Problem("not-found", `no brand ${slug}`, {
        errors: [{ in: "body", field: "/tenant", message: "no such brand" }],
      });
    return tenant;
  }

  app.post(
    "/v1/auth/login",
    {
      schema: {
        tags: ["auth"],
        summary: "Staff sign-in with email and password",
        security: [],
        body: Type.Object(
          {
            tenant: Type.String({ minLength: 1, maxLength: 63, description: "The brand's slug" }),
            email: Type.String({ minLength: 3, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ ...SessionSchema.properties, staff: StaffSchema }) },
      },
      config: {
        access: { public: true },
        rateLimit: { ...LOGIN_RATE, keyGenerator: accountKey("login", "tenant", "email") },
      },
    },
    async (request) => {
      const tenant = await findTenantBySlug(db, request.body.tenant);
      const session = await logIn(
        db,
        { tenantId: tenant?.tenant_id, email: request.body.email, password: request.body.password },
        now(),
      );
      return {
        token: session.token,
        expires_at: session.expires_at.toISOString(),
        staff: { ...session.staff, created_at: session.staff.created_at.toISOString() },
      };
    },
  );

  app.post(
    "/v1/auth/logout",
    {
      schema: { tags: ["auth"], summary: "End the current staff or member session" },
      config: { access: { staff: "all", member: true } },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind === "member" || principal?.kind === "staff") {
        await revokeSession(db, principal.tenantId, principal.sessionId, now());
      }
      return reply.code(204).send();
    },
  );

  app.get(
    "/v1/auth/me",
    {
      schema: {
        tags: ["auth"],
        summary: "Who these credentials are",
        response: {
          200: Type.Object({
            kind: Type.String(),
            tenant_id: Type.String(),
            subject_id: Type.String(),
            role: Type.Optional(RoleSchema),
            org_unit_id: Type.Optional(Type.String()),
            scope: Type.Optional(Type.String()),
          }),
        },
      },
      config: { access: { apiKey: "read", staff: "all", member: true } },
    },
    async (request) => {
      const p = request.principal;
      if (!p) throw new Problem("unauthenticated");
      switch (p.kind) {
        case "api_key":
          return { kind: p.kind, tenant_id: p.tenantId, subject_id: p.apiKeyId, scope: p.scope };
        case "staff":
          return {
            kind: p.kind,
            tenant_id: p.tenantId,
            subject_id: p.staffId,
            role: p.role,
            org_unit_id: p.orgUnitId,
          };
        case "member":
          return { kind: p.kind, tenant_id: p.tenantId, subject_id: p.memberId };
        case "system":
          return { kind: p.kind, tenant_id: p.tenantId, subject_id: p.actor };
      }
    },
  );

  app.post(
    "/v1/auth/otp",
    {
      schema: {
        tags: ["auth"],
        summary: "Send a member a one-time sign-in code",
        description:
          "The code is handed to the brand's message sender through the `member.otp_requested` event. " +
          "For a demo brand it is also returned as `demo_code`, since no SMS is sent.",
        security: [],
        body: Type.Object(
          {
            tenant: Type.String({ minLength: 1, maxLength: 63 }),
            phone: Type.String({ minLength: 3, maxLength: 32 }),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ expires_at: Timestamp, demo_code: Type.Optional(Type.String()) }) },
      },
      config: {
        access: { public: true },
        rateLimit: { ...OTP_RATE, keyGenerator: accountKey("otp", "tenant", "phone") },
      },
    },
    async (request, reply) => {
      const tenant = await tenantBySlug(request.body.tenant);
      const phone = parsePhone(request.body.phone, tenant.country);
      const challenge = await db.transaction().execute(async (tx) => {
        const created = await createOtpChallenge(tx, tenant.tenant_id, phone, now());
        await recordEvent(tx, {
          tenantId: tenant.tenant_id,
          type: "member.otp_requested",
          payload: { phone, code: created.code, expires_at: created.expires_at.toISOString() },
        });
        return created;
      });
      app.platform.events.poke();
      return reply.code(202).send({
        expires_at: challenge.expires_at.toISOString(),
        ...(tenant.demo ? { demo_code: challenge.code } : {}),
      });
    },
  );

  app.post(
    "/v1/auth/otp/verify",
    {
      schema: {
        tags: ["auth"],
        summary: "Exchange a one-time code for a member session, opening a card if the phone is new",
        security: [],
        body: Type.Object(
          {
            tenant: Type.String({ minLength: 1, maxLength: 63 }),
            phone: Type.String({ minLength: 3, maxLength: 32 }),
            code: Type.String({ pattern: "^[0-9]{6}$" }),
            scene_key: Type.Optional(Type.String({ maxLength: 100 })),
            store_id: Type.Optional(Type.String({ maxLength: 64 })),
            guide_id: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ ...SessionSchema.properties, joined: Type.Boolean(), member: MemberSchema }),
        },
      },
      config: {
        access: { public: true },
        rateLimit: { ...OTP_RATE, keyGenerator: accountKey("verify", "tenant", "phone") },
      },
    },
    async (request) => {
      const body = request.body;
      const tenant = await tenantBySlug(body.tenant);
      const phone = parsePhone(body.phone, tenant.country);
      // Its own transaction: a wrong guess must be counted even though the request then fails.
      const ok = await db
        .transaction()
        .execute((tx) => verifyOtp(tx, tenant.tenant_id, phone, body.code, now()));
      if (!ok) throw new Problem("unauthenticated", "The code is wrong or expired");
      const result = await db.transaction().execute(async (tx) => {
        const existing = await findMember(tx, tenant.tenant_id, { phone });
        const joined = !existing || existing.status === "prospect";
        const member = joined
          ? await joinMember(
              tx,
              tenant.tenant_id,
              {
                phone,
                channel: body.scene_key ? "store_qr" : "web",
                scene_key: body.scene_key,
                store_id: body.store_id,
                guide_id: body.guide_id,
              },
              now(),
            )
          : existing;
        const session = await openMemberSession(tx, tenant.tenant_id, member.member_id, now());
        return { ...session, joined, member };
      });
      app.platform.events.poke();
      return {
        token: result.token,
        expires_at: result.expires_at.toISOString(),
        joined: result.joined,
        member: serializeMember(result.member),
      };
    },
  );

  app.post(
    "/v1/members/:member_id/sessions",
    {
      schema: {
        tags: ["auth"],
        summary: "Issue a member-center session for a member the brand's backend has signed in",
        params: MemberIdParams,
        response: { 201: SessionSchema },
      },
      config: { access: { apiKey: "write" } },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const member = await getMember(tx, tenantOf(request), request.params.member_id);
        if (member.status !== "active")
          throw new Problem("business-rule", `member ${member.member_id} is ${member.status}`);
        const session = await openMemberSession(tx, tenantOf(request), member.member_id, now());
        return { token: session.token, expires_at: session.expires_at.toISOString() };
      }),
  );

  // ——— API keys (owners only: a key cannot mint keys) ———

  const serializeKey = (k: Awaited<ReturnType<typeof listApiKeys>>[number]) => ({
    ...k,
    created_at: k.created_at.toISOString(),
    last_used_at: iso(k.last_used_at),
    revoked_at: iso(k.revoked_at),
  });

  app.post(
    "/v1/api-keys",
    {
      schema: {
        tags: ["auth"],
        summary: "Create an API key; the key is shown once",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scope: Type.Union([Type.Literal("read"), Type.Literal("write")]),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ ...ApiKeySchema.properties, key: Type.String() }) },
      },
      config: { access: { staff: ["owner"] } },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const key = await createApiKey(tx, tenantOf(request), request.body);
        return { ...serializeKey(key), key: key.key };
      }),
  );

  app.get(
    "/v1/api-keys",
    {
      schema: {
        tags: ["auth"],
        summary: "List API keys (never their secrets)",
        response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }) },
      },
      config: { access: { staff: ["owner"] } },
    },
    async (request) => ({ items: (await listApiKeys(db, tenantOf(request))).map(serializeKey) }),
  );

  app.delete(
    "/v1/api-keys/:api_key_id",
    {
      schema: {
        tags: ["auth"],
        summary: "Revoke an API key at once",
        params: Type.Object({ api_key_id: Type.String({ maxLength: 64 }) }),
        response: { 200: ApiKeySchema },
      },
      config: { access: { staff: ["owner"] } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeKey(await revokeApiKey(tx, tenantOf(request), request.params.api_key_id, now())),
      ),
  );

  // ——— staff accounts ———

  app.post(
    "/v1/staff",
    {
      schema: {
        tags: ["organisation"],
        summary: "Create a staff account",
        body: Type.Object(
          {
            email: Type.String({ format: "email", maxLength: 200 }),
            name: Type.String({ minLength: 1, maxLength: 100 }),
            role: RoleSchema,
            org_unit_id: Type.String({ maxLength: 64 }),
            password: Type.String({ minLength: 10, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: StaffSchema },
      },
      config: { access: { staff: HQ_ROLES } },
    },
    async (request, reply) => {
      if (
        request.body.role === "owner" &&
        request.principal?.kind === "staff" &&
        request.principal.role !== "owner"
      ) {
        throw new Problem("forbidden", "only an owner may create another owner");
      }
      return command(request, reply, 201, async (tx) => {
        const staff = await createStaff(tx, tenantOf(request), request.body);
        return { ...staff, created_at: staff.created_at.toISOString() };
      });
    },
  );

  app.patch(
    "/v1/staff/:staff_id",
    {
      schema: {
        tags: ["organisation"],
        summary: "Change a staff account; `status: disabled` signs them out everywhere",
        description:
          "For a guide who leaves: hand their members over first (`POST /v1/guides/{staff_id}/handover`), then disable the account. Only an owner may change an owner or make one.",
        params: Type.Object({ staff_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            role: Type.Optional(RoleSchema),
            org_unit_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            status: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("disabled")])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: StaffSchema },
      },
      config: { access: { staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const p = request.principal;
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) => {
        const target = (await listStaff(tx, tenantId)).find((s) => s.staff_id === request.params.staff_id);
        const callerIsOwner = p?.kind === "staff" && p.role === "owner";
        if (!callerIsOwner && (target?.role === "owner" || request.body.role === "owner"))
          throw new Problem("forbidden", "only an owner may change an owner or make one");
        if (
          p?.kind === "staff" &&
          p.staffId === request.params.staff_id &&
          request.body.status === "disabled"
        )
          throw new Problem("business-rule", "you cannot disable your own account");
        const staff = await updateStaff(
          tx,
          tenantId,
          request.params.staff_id,
          request.body,
          now(),
          p?.kind === "staff" ? p.orgPath : undefined,
        );
        await recordEvent(tx, {
          tenantId,
          type: staff.status === "disabled" ? "staff.disabled" : "staff.updated",
          subjectId: staff.staff_id,
          payload: { staff_id: staff.staff_id, changes: request.body },
        });
        return { ...staff, created_at: staff.created_at.toISOString() };
      });
    },
  );

  app.get(
    "/v1/staff",
    {
      schema: {
        tags: ["organisation"],
        summary: "Staff in the caller's scope",
        response: { 200: Type.Object({ items: Type.Array(StaffSchema) }) },
      },
      config: { access: { staff: "all", apiKey: "read" } },
    },
    async (request) => {
      const p = request.principal;
      const rows = await listStaff(db, tenantOf(request), p?.kind === "staff" ? p.orgPath : undefined);
      return { items: rows.map((s) => ({ ...s, created_at: s.created_at.toISOString() })) };
    },
  );
};
