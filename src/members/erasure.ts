import type { Executor } from "../platform/db/database.ts";
import { type Identity, listIdentities } from "./service.ts";

/** Erasure of a member's personal data (GDPR art. 17, PIPL art. 47), called by the privacy capability. */

const MAX_MERGE_DEPTH = 5;

/**
 * The records merged into this member, directly or through another merged record: the same person, whose
 * absorbed records keep their phone and identities so that old references still find the survivor.
 */
export async function recordsMergedInto(db: Executor, tenantId: string, memberId: string): Promise<string[]> {
  const found: string[] = [];
  let frontier = [memberId];
  for (let depth = 0; depth < MAX_MERGE_DEPTH && frontier.length > 0; depth++) {
    const rows = await db
      .selectFrom("members")
      .select("member_id")
      .where("tenant_id", "=", tenantId)
      .where("merged_into", "in", frontier)
      .execute();
    frontier = rows.map((r) => r.member_id).filter((id) => id !== memberId && !found.includes(id));
    found.push(...frontier);
  }
  return found;
}

/** What a record held that other capabilities may have copied (an order's phone, an event's card number). */
export interface FormerPersonalData {
  phone: string | null;
  email: string | null;
  card_no: string;
  identities: Identity[];
}

/**
 * Removes a member's personal data and marks the record `erased`. The row stays, so orders, ledger entries and
 * counts that name the member id stay consistent; the card number is replaced by one that no lookup accepts,
 * identities are deleted, the phone freed. Locks the row, so concurrent erasures of one member queue.
 */
export async function eraseMemberRecord(
  tx: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<FormerPersonalData | undefined> {
  const current = await tx
    .selectFrom("members")
    .select(["phone", "email", "card_no"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) return undefined;
  const identities = await listIdentities(tx, tenantId, memberId);
  await tx
    .deleteFrom("member_identities")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
  await tx
    .updateTable("members")
    .set({
      status: "erased",
      phone: null,
      email: null,
      name: null,
      gender: "unknown",
      birthday: null,
      region: null,
      consent: "{}",
      attributes: "{}",
      // Not a valid card number (no Luhn digit, not digits): lookups by card never match it.
      card_no: `erased:${memberId}`,
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
  return { ...current, identities };
}
