import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Problem, type ProblemBody } from "./problems.ts";
import { fieldErrors } from "./validation.ts";

const FASTIFY_CODES: Record<string, Problem["code"]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "malformed-json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "malformed-json",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload-too-large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported-media-type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "validation-failed",
  FST_ERR_CTP_INVALID_TYPE: "unsupported-media-type",
};

/** Any error, as the problem a client should see. Unknown errors are 500 and never leak their message. */
export function toProblem(error: FastifyError | Error): Problem {
  if (error instanceof Problem) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fieldErrors(fastifyError.validation as never, fastifyError.validationContext);
    const first = errors[0];
    const detail = first ? `${first.in} ${first.field}: ${first.message}` : "The request is not valid";
    return new Problem("validation-failed", detail, { errors });
  }
  // Still losing a race after our own retries (serialization failure, deadlock): the client should retry.
  if (fastifyError.code === "40001" || fastifyError.code === "40P01") {
    return new Problem("unavailable", "The request collided with concurrent changes; retry it");
  }
  if (isDatabaseUnavailable(error)) {
    return new Problem("unavailable", "The database is not reachable at the moment; retry the request");
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new Problem(mapped, fastifyError.message);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400)
    return new Problem("malformed-json", error.message);
  const status = fastifyError.statusCode;
  if (status === 429) return new Problem("rate-limited", fastifyError.message);
  if (status !== undefined && status >= 400 && status < 500) {
    if (status === 404) return new Problem("not-found", fastifyError.message);
    if (status === 413) return new Problem("payload-too-large", fastifyError.message);
    if (status === 415) return new Problem("unsupported-media-type", fastifyError.message);
    return new Problem("validation-failed", fastifyError.message);
  }
  return new Problem("internal", "An unexpected error occurred; it has been logged with this request id");
}

/** Connection-level SQLSTATE classes and socket errors: the database restarting, failing over or full. */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08006"]);
const UNAVAILABLE_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);

function isDatabaseUnavailable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code)))
    return true;
  // node-postgres reports a dropped connection and a pool that cannot connect by message only.
  return /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    error.message,
  );
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  const body: ProblemBody = problem.body(request.url.split("?")[0], String(request.id));
  // Unavailability passes (a restart, a lost race): tell clients when to come back.
  if (problem.status === 503 || problem.code === "idempotency-key-in-use")
    void reply.header("retry-after", "1");
  return reply.code(problem.status).type("application/problem+json").send(JSON.stringify(body));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ problem: problem.code, detail: problem.message }, "request rejected");
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new Problem("not-found", `No route for ${request.method} ${request.url.split("?")[0]}`),
    ),
  );
}
