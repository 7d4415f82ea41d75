import type { FastifyReply, FastifyRequest } from "fastify";
import type { Tx } from "../db/database.ts";
import { recordIdempotentResponse } from "./idempotency.ts";

/**
 * Runs a state change in one transaction. When the request carries an Idempotency-Key, its response is
 * recorded in that same transaction, so a retry after a crash either finds the response or finds nothing
 * done: the change never happens twice.
 */
export async function command<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const claim = request.idempotency;
  const result = await request.server.platform.database.db.transaction().execute(async (tx) => {
    const value = await work(tx);
    if (claim) await recordIdempotentResponse(tx, claim, status, value);
    return value;
  });
  if (claim) claim.recorded = true;
  request.server.platform.events.poke();
  reply.code(status);
  return result;
}
