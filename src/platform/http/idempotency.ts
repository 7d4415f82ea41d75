import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { actorOf } from "../auth/principal.ts";
import type { Db, Executor } from "../db/database.ts";
import { Problem } from "./problems.ts";

/** How long a request may run before a retry with its key may take over (it crashed or timed out). */
export const IDEMPOTENCY_LEASE_MS = 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Keys are kept this long (the contract promises at least 24 h). */
export const IDEMPOTENCY_RETENTION_HOURS = 48;

export interface IdempotencyClaim {
  tenantId: string;
  key: string;
  /** Set once the response was recorded inside the request's own transaction. */
  recorded: boolean;
}

function requestHash(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest("base64url");
}

/**
 * Claims the request's Idempotency-Key, or answers it from the first response. Returns the claim when this
 * request is to run; undefined when a reply was sent (replay, or a problem).
 */
export async function claimIdempotencyKey(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  now: Date,
): Promise<IdempotencyClaim | undefined> {
  const header = request.headers["idempotency-key"];
  const principal = request.principal;
  if (header === undefined || !principal) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new Problem("validation-failed", "Idempotency-Key must be 1 to 255 visible ASCII characters", {
      errors: [{ in: "headers", field: "/idempotency-key", message: "1 to 255 visible ASCII characters" }],
    });
  }
  const tenantId = principal.tenantId;
  const hash = requestHash(request);
  const who = actorOf(principal);
  const lockedUntil = new Date(now.getTime() + IDEMPOTENCY_LEASE_MS);
  const inserted = await db
    .insertInto("idempotency_keys")
    .values({
      tenant_id: tenantId,
      idempotency_key: key,
      principal: who,
      method: request.method,
      path: request.url,
      request_hash: hash,
      state: "running",
      locked_until: lockedUntil,
      created_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning("idempotency_key")
    .executeTakeFirst();
  if (inserted) return { tenantId, key, recorded: false };

  const existing = await db
    .selectFrom("idempotency_keys")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
  if (!existing) {
    // Expired and purged between the two statements: extremely rare; ask the client to retry.
    throw new Problem("idempotency-key-in-use", "Retry the request");
  }
  if (existing.request_hash !== hash || existing.principal !== who) {
    throw new Problem(
      "idempotency-key-reused",
      `Idempotency-Key "${key}" was first used for ${existing.method} ${existing.path} with a different body`,
    );
  }
  if (existing.state === "done") {
    reply.header("idempotent-replayed", "true").code(existing.response_status ?? 200);
    const failed = existing.response_status !== null && existing.response_status >= 400;
    reply.type(failed ? "application/problem+json" : "application/json; charset=utf-8");
    await reply.send(existing.response_body === null ? undefined : JSON.stringify(existing.response_body));
    return undefined;
  }
  // Still running: either in flight (409) or its process died, in which case this retry takes it over.
  const takenOver = await db
    .updateTable("idempotency_keys")
    .set({ locked_until: lockedUntil })
    .where("tenant_id", "=", tenantId)
    .where("idempotency_key", "=", key)
    .where("state", "=", "running")
    .where("locked_until", "<", now)
    .returning("idempotency_key")
    .executeTakeFirst();
  if (takenOver) return { tenantId, key, recorded: false };
  throw new Problem(
    "idempotency-key-in-use",
    `A request with Idempotency-Key "${key}" is still being processed`,
  );
}

/** Records the response; inside the request's transaction when called from `command`. */
export async function recordIdempotentResponse(
  executor: Executor,
  claim: IdempotencyClaim,
  status: number,
  body: unknown,
): Promise<void> {
  await executor
    .updateTable("idempotency_keys")
    .set({
      state: "done",
      response_status: status,
      response_body: body === undefined ? null : JSON.stringify(body),
    })
    .where("tenant_id", "=", claim.tenantId)
    .where("idempotency_key", "=", claim.key)
    .execute();
}

/** A failure on our side rolled the work back: free the key so a retry runs it again. */
export async function releaseIdempotencyKey(db: Db, claim: IdempotencyClaim): Promise<void> {
  await db
    .deleteFrom("idempotency_keys")
    .where("tenant_id", "=", claim.tenantId)
    .where("idempotency_key", "=", claim.key)
    .where("state", "=", "running")
    .execute();
}

export async function purgeIdempotencyKeys(db: Db, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_RETENTION_HOURS * 3_600_000);
  const result = await sql`DELETE FROM idempotency_keys WHERE created_at < ${cutoff}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
