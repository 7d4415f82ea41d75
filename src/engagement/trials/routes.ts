import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../../platform/auth/principal.ts";
import { command } from "../../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../../platform/http/pagination.ts";
import { Code, iso, memberOf, Nullable } from "../http.ts";
import {
  type Application,
  applyForTrial,
  createTrial,
  decideApplication,
  getTrial,
  listApplications,
  listTrials,
  reviewTrial,
  shipApplication,
  type Trial,
} from "./service.ts";

const Status = Type.Union([
  Type.Literal("applied"),
  Type.Literal("approved"),
  Type.Literal("rejected"),
  Type.Literal("shipped"),
  Type.Literal("reviewed"),
]);

const TrialSchema = Type.Object({
  trial_id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  product_sku: Type.String(),
  quota: Type.Integer(),
  approved_count: Type.Integer(),
  applications_open_at: Type.String({ format: "date-time" }),
  applications_close_at: Type.String({ format: "date-time" }),
  feedback_points: Type.Integer(),
  created_at: Type.String({ format: "date-time" }),
});

const ApplicationSchema = Type.Object({
  application_id: Type.String(),
  trial_id: Type.String(),
  member_id: Type.String(),
  status: Status,
  recipient_name: Type.String(),
  phone: Type.String(),
  address: Type.String(),
  reason: Nullable(Type.String()),
  tracking_no: Nullable(Type.String()),
  rating: Nullable(Type.Integer()),
  feedback: Nullable(Type.String()),
  points_awarded: Type.Integer(),
  applied_at: Type.String({ format: "date-time" }),
  decided_at: Nullable(Type.String({ format: "date-time" })),
  shipped_at: Nullable(Type.String({ format: "date-time" })),
  reviewed_at: Nullable(Type.String({ format: "date-time" })),
});

const serializeTrial = (t: Trial) => ({
  ...t,
  applications_open_at: t.applications_open_at.toISOString(),
  applications_close_at: t.applications_close_at.toISOString(),
  created_at: t.created_at.toISOString(),
});

const serializeApplication = (a: Application) => ({
  ...a,
  applied_at: a.applied_at.toISOString(),
  decided_at: iso(a.decided_at),
  shipped_at: iso(a.shipped_at),
  reviewed_at: iso(a.reviewed_at),
});

const TrialParams = Type.Object({ trial_id: Type.String({ minLength: 1, maxLength: 64 }) });
const ApplicationParams = Type.Object({ application_id: Type.String({ minLength: 1, maxLength: 64 }) });
const ListQuery = Type.Object(PageQuery, { additionalProperties: false });
const hq = { apiKey: "write", staff: HQ_ROLES } as const;

/** Product trials: HQ runs the campaign and the approvals; members apply and review. */
export const trialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.post(
    "/v1/trials",
    {
      schema: {
        tags: ["engagement"],
        summary: "Start a product trial campaign",
        body: Type.Object(
          {
            code: Code,
            name: Type.String({ minLength: 1, maxLength: 100 }),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            product_sku: Type.String({ minLength: 1, maxLength: 64 }),
            quota: Type.Integer({
              minimum: 1,
              maximum: 1_000_000,
              description: "How many applications may be approved",
            }),
            applications_open_at: Type.String({ format: "date-time" }),
            applications_close_at: Type.String({ format: "date-time" }),
            feedback_points: Type.Optional(
              Type.Integer({ minimum: 0, maximum: 1_000_000, description: "Points for the member's review" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: TrialSchema },
      },
      config: { access: hq },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const body = request.body;
      return command(request, reply, 201, async (tx) =>
        serializeTrial(
          await createTrial(
            tx,
            tenantId,
            {
              ...body,
              applications_open_at: new Date(body.applications_open_at),
              applications_close_at: new Date(body.applications_close_at),
            },
            now(),
          ),
        ),
      );
    },
  );

  app.get(
    "/v1/trials",
    {
      schema: {
        tags: ["engagement"],
        summary: "Trials, newest first",
        querystring: ListQuery,
        response: { 200: PageOf(TrialSchema) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const page = await listTrials(db, tenantOf(request), {
        limit: request.query.limit ?? PAGE_LIMIT_DEFAULT,
        before: decodeCursor(request.query.cursor),
      });
      return { items: page.items.map(serializeTrial), next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/v1/trials/:trial_id",
    {
      schema: {
        tags: ["engagement"],
        summary: "A trial",
        params: TrialParams,
        response: { 200: TrialSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => serializeTrial(await getTrial(db, tenantOf(request), request.params.trial_id)),
  );

  app.get(
    "/v1/trials/:trial_id/applications",
    {
      schema: {
        tags: ["engagement"],
        summary: "A trial's applications, oldest first (addresses and phones: HQ only)",
        params: TrialParams,
        querystring: Type.Object(
          { ...PageQuery, status: Type.Optional(Status) },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(ApplicationSchema) },
      },
      config: { access: { apiKey: "read", staff: HQ_ROLES } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getTrial(db, tenantId, request.params.trial_id);
      const page = await listApplications(
        db,
        tenantId,
        { trial_id: request.params.trial_id, status: request.query.status },
        { limit: request.query.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(request.query.cursor) },
      );
      return { items: page.items.map(serializeApplication), next_cursor: page.next_cursor };
    },
  );

  for (const decision of ["approve", "reject"] as const) {
    app.post(
      `/v1/trial-applications/:application_id/${decision}`,
      {
        schema: {
          tags: ["engagement"],
          summary:
            decision === "approve" ? "Approve an application (within the quota)" : "Turn an application down",
          description:
            decision === "approve"
              ? "A full quota is a 409 `insufficient-stock`; an application already decided is a 409 `conflict`."
              : "An application already decided is a 409 `conflict`.",
          params: ApplicationParams,
          response: { 200: ApplicationSchema },
        },
        config: { access: hq },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request);
        return command(request, reply, 200, async (tx) =>
          serializeApplication(
            await decideApplication(tx, tenantId, request.params.application_id, decision, now()),
          ),
        );
      },
    );
  }

  app.post(
    "/v1/trial-applications/:application_id/ship",
    {
      schema: {
        tags: ["engagement"],
        summary: "Record that the trial product was sent",
        params: ApplicationParams,
        body: Type.Object(
          { tracking_no: Type.String({ minLength: 1, maxLength: 64 }) },
          { additionalProperties: false },
        ),
        response: { 200: ApplicationSchema },
      },
      config: { access: hq },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) =>
        serializeApplication(
          await shipApplication(tx, tenantId, request.params.application_id, request.body.tracking_no, now()),
        ),
      );
    },
  );

  // ——— member center ———

  app.get(
    "/v1/me/trials",
    {
      schema: {
        tags: ["member center"],
        summary: "Trials taking applications now",
        querystring: ListQuery,
        response: { 200: PageOf(TrialSchema) },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const page = await listTrials(db, tenantOf(request), {
        limit: request.query.limit ?? PAGE_LIMIT_DEFAULT,
        before: decodeCursor(request.query.cursor),
        openAt: now(),
      });
      return { items: page.items.map(serializeTrial), next_cursor: page.next_cursor };
    },
  );

  app.post(
    "/v1/me/trials/:trial_id/applications",
    {
      schema: {
        tags: ["member center"],
        summary: "Apply for a trial, with where to send it",
        description:
          "One application per member and trial (a second is a 409); only while applications are open (else 422).",
        params: TrialParams,
        body: Type.Object(
          {
            recipient_name: Type.String({ minLength: 1, maxLength: 100 }),
            phone: Type.String({ minLength: 3, maxLength: 32 }),
            address: Type.String({ minLength: 5, maxLength: 500 }),
            reason: Type.Optional(Type.String({ maxLength: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: ApplicationSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      return command(request, reply, 201, async (tx) =>
        serializeApplication(
          await applyForTrial(tx, tenantId, memberId, request.params.trial_id, request.body, now()),
        ),
      );
    },
  );

  app.get(
    "/v1/me/trial-applications",
    {
      schema: {
        tags: ["member center"],
        summary: "My trial applications",
        querystring: ListQuery,
        response: { 200: PageOf(ApplicationSchema) },
      },
      config: { access: { member: true } },
    },
    async (request) => {
      const page = await listApplications(
        db,
        tenantOf(request),
        { member_id: memberOf(request.principal) },
        { limit: request.query.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(request.query.cursor) },
      );
      return { items: page.items.map(serializeApplication), next_cursor: page.next_cursor };
    },
  );

  app.post(
    "/v1/me/trial-applications/:application_id/feedback",
    {
      schema: {
        tags: ["member center"],
        summary: "Review the product I tried; earns the trial's feedback points",
        description: "Once the product was shipped to me; a second review is a 409.",
        params: ApplicationParams,
        body: Type.Object(
          {
            rating: Type.Integer({ minimum: 1, maximum: 5 }),
            feedback: Type.String({ minLength: 5, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: ApplicationSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      return command(request, reply, 200, async (tx) =>
        serializeApplication(
          await reviewTrial(tx, tenantId, memberId, request.params.application_id, request.body, now()),
        ),
      );
    },
  );
};
