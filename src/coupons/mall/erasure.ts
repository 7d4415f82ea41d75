import type { Executor } from "../../platform/db/database.ts";

/**
 * Erasure of a member (privacy): shipping addresses of their mall redemptions go. The redemptions stay (their
 * points were spent and are in the ledger); one not yet shipped can no longer be, which the brand sees as a
 * redemption without an address.
 */
export async function forgetRedemptionAddresses(
  tx: Executor,
  tenantId: string,
  memberId: string,
): Promise<number> {
  const result = await tx
    .updateTable("reward_redemptions")
    .set({ shipping_address: null })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("shipping_address", "is not", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
