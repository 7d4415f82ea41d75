import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { eraseMemberRecord, type FormerPersonalData, recordsMergedInto } from "../members/erasure.ts";
import { getMember } from "../members/service.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { registerBuiltInPersonalData } from "./builtin.ts";
import { scrubMemberEvents } from "./outbox.ts";
import { type PersonalDataContext, personalDataHandlers } from "./registry.ts";

export interface Erasure {
  member_id: string;
  reason: string;
  actor: string;
  /** Records merged into this member earlier: the same person, erased with it. */
  merged_member_ids: string[];
  erased_at: Date;
}

async function findErasure(db: Executor, tenantId: string, memberId: string): Promise<Erasure | undefined> {
  return db
    .selectFrom("member_erasures")
    .select(["member_id", "reason", "actor", "merged_member_ids", "erased_at"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .executeTakeFirst();
}

export async function getErasure(db: Executor, tenantId: string, memberId: string) {
  return findErasure(db, tenantId, memberId);
}

/**
 * Erases a member (GDPR art. 17, PIPL art. 47): personal data is removed from the member record and from every
 * capability that registered an eraser, and scrubbed from stored events; the member row stays as `erased`, so
 * orders, the points ledger (never touched: it stays balanced) and counts stay consistent. Idempotent: a second
 * erasure of the same member returns the first one's record and does nothing.
 */
export async function eraseMember(
  tx: Executor,
  tenantId: string,
  memberId: string,
  request: { reason: string; actor: string },
  now: Date,
): Promise<{ erasure: Erasure; already_erased: boolean }> {
  await getMember(tx, tenantId, memberId);
  // The erasure's row is the lock: a concurrent erasure of the same member waits on this insert, then finds it.
  const claimed = await tx
    .insertInto("member_erasures")
    .values({
      tenant_id: tenantId,
      member_id: memberId,
      reason: request.reason,
      actor: request.actor,
      erased_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "member_id"]).doNothing())
    .returning("member_id")
    .executeTakeFirst();
  if (!claimed) {
    const existing = await findErasure(tx, tenantId, memberId);
    if (!existing) throw new Error(`erasure of ${memberId} vanished`);
    return { erasure: existing, already_erased: true };
  }

  const merged = await recordsMergedInto(tx, tenantId, memberId);
  const ids = [memberId, ...merged];
  const formers: FormerPersonalData[] = [];
  for (const id of ids) {
    const former = await eraseMemberRecord(tx, tenantId, id, now);
    if (former) formers.push(former);
  }
  const context: PersonalDataContext = {
    now,
    former: {
      phones: formers.flatMap((f) => (f.phone ? [f.phone] : [])),
      emails: formers.flatMap((f) => (f.email ? [f.email] : [])),
      card_nos: formers.map((f) => f.card_no),
      identity_values: formers.flatMap((f) => f.identities.map((i) => i.value)),
    },
  };
  registerBuiltInPersonalData();
  for (const handler of personalDataHandlers()) {
    for (const id of ids) await handler.erase(tx, tenantId, id, context);
  }
  const former = context.former ?? { phones: [], emails: [], card_nos: [], identity_values: [] };
  await scrubMemberEvents(tx, tenantId, ids, [
    ...former.phones,
    // Stored events may carry a phone in national form (as an order sent it): match its digits too.
    ...former.phones.flatMap((p) => parsePhoneNumberFromString(p)?.nationalNumber ?? []),
    ...former.emails,
    ...former.card_nos,
    ...former.identity_values,
  ]);
  await endSessionsAndCodes(tx, tenantId, ids, former.phones, now);

  await tx
    .updateTable("member_erasures")
    .set({ merged_member_ids: JSON.stringify(merged) })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "member.erased",
    subjectId: memberId,
    at: now,
    payload: { member_id: memberId, merged_member_ids: merged, erased_at: now.toISOString() },
  });
  const erasure = await findErasure(tx, tenantId, memberId);
  if (!erasure) throw new Error(`erasure of ${memberId} not recorded`);
  return { erasure, already_erased: false };
}

/** An erased member's sessions end at once, and pending sign-in codes sent to the phone are void. */
async function endSessionsAndCodes(
  tx: Executor,
  tenantId: string,
  memberIds: string[],
  phones: string[],
  now: Date,
): Promise<void> {
  await tx
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("tenant_id", "=", tenantId)
    .where("subject_kind", "=", "member")
    .where("subject_id", "in", memberIds)
    .where("revoked_at", "is", null)
    .execute();
  if (phones.length > 0) {
    await tx
      .deleteFrom("otp_challenges")
      .where("tenant_id", "=", tenantId)
      .where("phone", "in", phones)
      .execute();
  }
}
