import type { Executor } from "../platform/db/database.ts";
import { getTenant } from "../tenants/service.ts";
import { expiresAt } from "./expiry.ts";
import { type GrantInput, grantPoints, type MovementResult } from "./movements.ts";
import { getProgram } from "./program.ts";

/**
 * Grants points outside an order (a manual adjustment, an engagement reward, a campaign, a tier gift) as a lot
 * that expires as the brand's points program says for points earned now. Idempotent by source like grantPoints.
 */
export async function grantProgramPoints(
  tx: Executor,
  tenantId: string,
  input: Omit<GrantInput, "expires_at">,
  now: Date,
): Promise<MovementResult> {
  const [program, tenant] = await Promise.all([getProgram(tx, tenantId), getTenant(tx, tenantId)]);
  return grantPoints(
    tx,
    tenantId,
    { ...input, expires_at: expiresAt(now, program.expiry, tenant.time_zone) },
    now,
  );
}
