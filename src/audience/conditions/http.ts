import type { FastifyRequest } from "fastify";
import { parseConditionOrThrow } from "./parse.ts";

/**
 * A preValidation hook that checks the conditions in a request body before the schema validator sees them: the
 * problems then name the field and the rule broken (unknown field, wrong operand, too deep) instead of the
 * schema's generic union errors, and a hostile tree never reaches the recursive validator.
 */
export function conditionGuard(...fields: string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return;
    for (const field of fields) {
      const value = (body as Record<string, unknown>)[field];
      // null clears a condition where the schema allows it; the schema decides that, not this guard.
      if (field in body && value !== null) parseConditionOrThrow(value, `/${field}`);
    }
  };
}
