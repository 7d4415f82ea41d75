import type { Executor } from "../platform/db/database.ts";

/** Contacts staff logged with a member, for the member's data export. */
export async function memberContacts(db: Executor, tenantId: string, memberId: string) {
  return db
    .selectFrom("staff_contacts")
    .select(["contact_id", "staff_id", "channel", "note", "at"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .orderBy("at")
    .execute();
}

/** The free-text notes go on erasure; that a contact happened stays (task completion counted it). */
export async function forgetContactNotes(tx: Executor, tenantId: string, memberId: string): Promise<void> {
  await tx
    .updateTable("staff_contacts")
    .set({ note: null })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
}
