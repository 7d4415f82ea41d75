import { randomUUID } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { type Access, isAllowed, type Principal } from "../auth/principal.ts";
import type { Platform } from "../context.ts";
import { installErrorHandling, sendProblem } from "./errors.ts";
import {
  claimIdempotencyKey,
  IDEMPOTENCY_LEASE_MS,
  type IdempotencyClaim,
  recordIdempotentResponse,
  releaseIdempotencyKey,
} from "./idempotency.ts";
import { PROBLEM_TYPES, Problem, type ProblemCode } from "./problems.ts";
import { validatorCompiler } from "./validation.ts";

declare module "fastify" {
  interface FastifyInstance {
    platform: Platform;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    idempotency: IdempotencyClaim | undefined;
  }
  interface FastifyContextConfig {
    /** Who may call this route; required on every /v1 route. */
    access?: Access;
  }
}

export type Authenticate = (token: string, now: Date) => Promise<Principal | undefined>;

const BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID = /^[\w.:-]{1,100}$/;
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The HTTP server with the platform's conventions: problem+json errors, schema validation that also writes
 * the OpenAPI document, request ids, bearer authentication, access rules per route, idempotency keys.
 */
export async function createHttpServer(platform: Platform, authenticate: Authenticate) {
  const base = Fastify({
    // pino's Logger and Fastify's logger type differ in generics only; the assertion keeps the instance types plain.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: platform.log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  installErrorHandling(base);
  // The API speaks JSON only: any other body is a 415, not a string for the schema to puzzle over.
  base.removeContentTypeParser("text/plain");
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.decorate("platform", platform);
  app.decorateRequest("principal", undefined);
  app.decorateRequest("idempotency", undefined);
  app.setValidatorCompiler(validatorCompiler);

  // Every /v1 route must say who may call it: an endpoint without a rule is a bug, caught at start.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/v1/") && !route.config?.access) {
      throw new Error(`route ${String(route.method)} ${route.url} has no access rule`);
    }
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    const access = request.routeOptions.config.access;
    if (!access) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      request.principal = match?.[1] ? await authenticate(match[1], platform.clock.now()) : undefined;
      if (!request.principal)
        throw new Problem("unauthenticated", "The bearer token is not valid, expired or revoked");
    }
    if (!isAllowed(access, request.principal)) {
      if (!request.principal)
        throw new Problem("unauthenticated", "This endpoint needs an Authorization: Bearer token");
      throw new Problem(
        "forbidden",
        `A ${request.principal.kind.replace("_", " ")} credential may not call this endpoint`,
      );
    }
  });

  app.addHook("preHandler", async (request, reply) => {
    if (!STATE_CHANGING.has(request.method) || !request.routeOptions.config.access) return;
    request.idempotency = await claimIdempotencyKey(
      platform.database.db,
      request,
      reply,
      platform.clock.now(),
    );
  });

  // A request that claimed a key and did not record its response in its own transaction records it here.
  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim || claim.recorded) return payload;
    claim.recorded = true;
    try {
      if (reply.statusCode >= 500) await releaseIdempotencyKey(platform.database.db, claim);
      else await recordIdempotentResponse(platform.database.db, claim, reply.statusCode, parseJson(payload));
    } catch (error) {
      // The database went away. A failed request's key is freed as soon as it is back, so the client's retry runs;
      // a done request's key stays claimed until its lease ends (a retry meanwhile hears "in use", Retry-After).
      request.log.warn({ err: error }, "idempotency key not settled");
      if (reply.statusCode >= 500) releaseLater(platform, claim);
    }
    return payload;
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new Problem("rate-limited", `Rate limit exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Enclave API",
        version: "1",
        description:
          "Membership and loyalty platform. Authenticate with `Authorization: Bearer <token>`: an API key " +
          "(server to server), a staff session (console, staff pages) or a member session (member center). " +
          "Errors are `application/problem+json` (RFC 9457); their `type` is stable. Every state-changing " +
          "request accepts an `Idempotency-Key` header: a retry with the same key and body returns the first response.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (request, reply) => {
    try {
      await platform.database.db.selectFrom("tenants").select("tenant_id").limit(1).execute();
      return { status: "ready" };
    } catch (error) {
      request.log.warn({ err: error }, "not ready");
      return sendProblem(request, reply, new Problem("unavailable", "The database is not reachable"));
    }
  });
  app.get<{ Params: { code: string } }>("/problems/:code", { schema: { hide: true } }, async (request) => {
    const code = request.params.code as ProblemCode;
    const known = PROBLEM_TYPES[code];
    if (!known) throw new Problem("not-found", `No problem type ${request.params.code}`);
    return { type: `/problems/${code}`, code, ...known };
  });

  return app;
}

export type HttpServer = Awaited<ReturnType<typeof createHttpServer>>;

function parseJson(payload: unknown): unknown {
  if (typeof payload !== "string" || payload.length === 0) return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

/** Frees a failed request's key once the database answers again, within the key's lease. */
function releaseLater(platform: Platform, claim: IdempotencyClaim, delayMs = 500): void {
  if (delayMs > IDEMPOTENCY_LEASE_MS) return;
  setTimeout(() => {
    releaseIdempotencyKey(platform.database.db, claim).catch(() =>
      releaseLater(platform, claim, delayMs * 2),
    );
  }, delayMs).unref();
}
