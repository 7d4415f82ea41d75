import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Executor } from "../platform/db/database.ts";
import { newId } from "../platform/ids.ts";
import { type AuditedRequest, auditedRequest } from "./audit-rules.ts";

/** Routes that name their member only in the response (a lookup by phone, a new card). */
const MEMBER_IN_RESPONSE: ReadonlySet<string> = new Set(["GET /v1/members/lookup", "POST /v1/members"]);

const decided = new WeakMap<FastifyRequest, AuditedRequest>();

/**
 * Records every request by staff or an API key that reads or changes a member's data: who (and their role), which
 * route, which member, when, the request id and the outcome. Written after the response, outside the request's
 * transaction, so a refused or failed request is recorded too; a failed write is logged and never fails the request.
 * Installed on the root server before the routes, so it covers every capability.
 */
export function installMemberAuditLog(app: FastifyInstance): void {
  const { db } = app.platform.database;

  app.addHook("onSend", async (request, reply, payload) => {
    const principal = request.principal;
    if (principal?.kind !== "staff" && principal?.kind !== "api_key") return payload;
    const route = request.routeOptions.url ?? "";
    const audited = auditedRequest({
      method: request.method,
      route,
      params: request.params,
      query: request.query,
      body: request.body,
    });
    if (!audited) return payload;
    if (
      audited.member_id === null &&
      reply.statusCode < 300 &&
      MEMBER_IN_RESPONSE.has(`${request.method} ${route}`)
    )
      audited.member_id = memberIdOf(payload);
    decided.set(request, audited);
    return payload;
  });

  const writer = new CoalescingAuditWriter(db);
  app.addHook("onResponse", async (request, reply) => {
    const audited = decided.get(request);
    const principal = request.principal;
    if (!audited || (principal?.kind !== "staff" && principal?.kind !== "api_key")) return;
    try {
      await writer.write({
        tenantId: principal.tenantId,
        actor: principal.kind === "staff" ? principal.staffId : principal.apiKeyId,
        action: audited.action,
        memberId: audited.member_id,
        detail: {
          actor_kind: principal.kind,
          role: principal.kind === "staff" ? principal.role : `api_key:${principal.scope}`,
          method: request.method,
          route: request.routeOptions.url ?? "",
          status: reply.statusCode,
          request_id: request.id,
        },
        at: request.server.platform.clock.now(),
      });
    } catch (error) {
      request.log.error({ err: error, audit: audited }, "audit log entry not written");
    }
  });
}

export interface AuditEntry {
  tenantId: string;
  actor: string;
  action: string;
  memberId: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

export async function writeAuditEntry(db: Executor, entry: AuditEntry): Promise<void> {
  await writeAuditEntries(db, [entry]);
}

async function writeAuditEntries(db: Executor, entries: AuditEntry[]): Promise<void> {
  await db
    .insertInto("audit_log")
    .values(
      entries.map((entry) => ({
        tenant_id: entry.tenantId,
        audit_id: newId("audit"),
        actor: entry.actor,
        action: entry.action,
        subject_id: entry.memberId,
        detail: JSON.stringify(entry.detail),
        at: entry.at,
      })),
    )
    .execute();
}

const AUDIT_BATCH_MAX = 500;

/**
 * One insert at a time: entries that arrive while one is being written go together in the next. Alone, an entry
 * is written at once, as before; under load (every checkout quote by a till is audited) hundreds of requests a
 * second cost a few statements instead of one each. Each caller still hears whether its own entry was written.
 */
class CoalescingAuditWriter {
  readonly #db: Executor;
  readonly #queue: { entry: AuditEntry; done: (error?: Error) => void }[] = [];
  #writing = false;

  constructor(db: Executor) {
    this.#db = db;
  }

  write(entry: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ entry, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, AUDIT_BATCH_MAX);
      try {
        await writeAuditEntries(
          this.#db,
          batch.map((b) => b.entry),
        );
        for (const b of batch) b.done();
      } catch (error) {
        const reason = error instanceof Error ? error : new Error(String(error));
        for (const b of batch) b.done(reason);
      }
    }
    this.#writing = false;
  }
}

function memberIdOf(payload: unknown): string | null {
  if (typeof payload !== "string") return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "member_id" in parsed &&
      typeof parsed.member_id === "string"
    )
      return parsed.member_id;
  } catch {
    // not JSON: nothing to name
  }
  return null;
}
