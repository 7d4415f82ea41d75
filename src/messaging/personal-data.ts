import type { Executor } from "../platform/db/database.ts";

/** Messaging's part of a member's erasure: what was sent stays counted, but not to whom or what it said. */
export async function forgetMessageContent(tx: Executor, tenantId: string, memberId: string): Promise<void> {
  await tx
    .updateTable("messages")
    .set({ recipient: null, subject: null, body: "[erased]" })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
}
