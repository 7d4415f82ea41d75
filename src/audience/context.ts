import { DateTime } from "luxon";
import type { Executor } from "../platform/db/database.ts";
import { getTenant } from "../tenants/service.ts";
import type { EvaluationContext } from "./conditions/member.ts";

/** The moment a condition is evaluated at, with the brand's calendar day (ages follow the brand's time zone). */
export async function evaluationContext(
  db: Executor,
  tenantId: string,
  now: Date,
): Promise<EvaluationContext> {
  const tenant = await getTenant(db, tenantId);
  return {
    now,
    today: DateTime.fromJSDate(now, { zone: tenant.time_zone }).toISODate() ?? now.toISOString().slice(0, 10),
  };
}
