import { randomInt } from "node:crypto";
import { getMember, type Member } from "../../members/service.ts";
import type { Executor } from "../../platform/db/database.ts";
import { recordEvent } from "../../platform/events.ts";
import { toPage } from "../../platform/http/pagination.ts";
import { invalidField, Problem } from "../../platform/http/problems.ts";
import { lockBalances } from "../../points/balances.ts";
import { getTenant } from "../../tenants/service.ts";
import { localDay } from "../../points/expiry.ts";
import { engagementId } from "../ids.ts";
import { getEngagementSettings } from "../settings.ts";
import {
  type BindRefusal,
  bindRefusal,
  INVITE_CODE_ALPHABET,
  INVITE_CODE_LENGTH,
  INVITE_SCENE_PREFIX,
} from "./rules.ts";
import { payTrigger } from "./payouts.ts";
import { type Referral, REFERRAL_COLUMNS, referralOfInvitee } from "./store.ts";

const MAX_CODE_ATTEMPTS = 5;

function newInviteCode(): string {
  let code = "";
  for (let i = 0; i < INVITE_CODE_LENGTH; i++)
    code += INVITE_CODE_ALPHABET[randomInt(INVITE_CODE_ALPHABET.length)];
  return code;
}

/** The member's invite code, made on first use. */
export async function inviteCodeOf(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<string> {
  for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
    const existing = await db
      .selectFrom("invite_codes")
      .select("code")
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .executeTakeFirst();
    if (existing) return existing.code;
    // A code taken by another member, or a parallel first use by this one: either way, look again.
    await db
      .insertInto("invite_codes")
      .values({ tenant_id: tenantId, member_id: memberId, code: newInviteCode(), created_at: now })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  throw new Error("could not allocate an invite code");
}

export type BindOutcome = { referral: Referral; created: boolean } | { refused: BindRefusal };

/**
 * Binds a new member to the member whose invite code they name, and pays the join rewards. Refusals are returned,
 * not thrown, so the event path can record them; the same binding again answers the first.
 */
export async function bindReferral(
  tx: Executor,
  tenantId: string,
  input: { invitee_id: string; code: string; device_id: string | null; record_refusal: boolean },
  actor: string,
  now: Date,
): Promise<BindOutcome> {
  const { referral: settings } = await getEngagementSettings(tx, tenantId);
  const code = input.code.toUpperCase();
  const owner = await tx
    .selectFrom("invite_codes")
    .select("member_id")
    .where("tenant_id", "=", tenantId)
    .where("code", "=", code)
    .executeTakeFirst();
  if (!owner) {
    if (input.record_refusal) return { refused: "unknown_code" };
    throw invalidField("/code", `no invite code ${code}`);
  }
  // Both members' locks, in id order: bindings, rewards and counts of either are serial.
  await lockBalances(tx, tenantId, [owner.member_id, input.invitee_id]);
  const existing = await referralOfInvitee(tx, tenantId, input.invitee_id);
  if (existing) {
    // The same binding again (a retry, a redelivered join) answers as the first time.
    if (existing.inviter_id === owner.member_id)
      return existing.status === "active"
        ? { referral: existing, created: false }
        : { refused: (existing.reject_reason ?? "already_referred") as BindRefusal };
    if (input.record_refusal) return { refused: "already_referred" };
    throw new Problem("conflict", "this member already has an inviter", {
      errors: [{ in: "body", field: "/code", message: "the member already has an inviter" }],
    });
  }
  const [inviter, invitee] = await Promise.all([
    getMember(tx, tenantId, owner.member_id),
    getMember(tx, tenantId, input.invitee_id),
  ]);
  const refusal =
    bindRefusal({ ...settings, inviter, invitee }, now) ??
    (await deviceRefusal(tx, tenantId, inviter, input.device_id));
  const referral_id = engagementId("referral");
  if (refusal) {
    if (input.record_refusal) {
      await insertReferral(
        tx,
        tenantId,
        { referral_id, inviter, invitee, code, device_id: input.device_id },
        now,
        refusal,
      );
    }
    return { refused: refusal };
  }
  const referral = await insertReferral(
    tx,
    tenantId,
    { referral_id, inviter, invitee, code, device_id: input.device_id },
    now,
  );
  for (const [memberId, role] of [
    [invitee.member_id, "invitee"],
    [inviter.member_id, "inviter"],
  ] as const) {
    await recordEvent(tx, {
      tenantId,
      type: "referral.bound",
      subjectId: memberId,
      at: now,
      payload: {
        member_id: memberId,
        role,
        referral_id,
        inviter_id: inviter.member_id,
        invitee_id: invitee.member_id,
      },
    });
  }
  return { referral: await payTrigger(tx, tenantId, referral, "join", settings, actor, now), created: true };
}

/** One device is an invitee once, and never the inviter's own (when the inviter was invited on it). */
async function deviceRefusal(
  tx: Executor,
  tenantId: string,
  inviter: Member,
  deviceId: string | null,
): Promise<BindRefusal | undefined> {
  if (deviceId === null) return undefined;
  const used = await tx
    .selectFrom("referrals")
    .select("invitee_id")
    .where("tenant_id", "=", tenantId)
    .where("device_id", "=", deviceId)
    .where((eb) => eb.or([eb("status", "=", "active"), eb("invitee_id", "=", inviter.member_id)]))
    .executeTakeFirst();
  return used ? "same_device" : undefined;
}

async function insertReferral(
  tx: Executor,
  tenantId: string,
  r: { referral_id: string; inviter: Member; invitee: Member; code: string; device_id: string | null },
  now: Date,
  refusal?: BindRefusal,
): Promise<Referral> {
  return tx
    .insertInto("referrals")
    .values({
      tenant_id: tenantId,
      referral_id: r.referral_id,
      invitee_id: r.invitee.member_id,
      inviter_id: r.inviter.member_id,
      code: r.code,
      device_id: r.device_id,
      status: refusal ? "rejected" : "active",
      reject_reason: refusal ?? null,
      join_reward: null,
      first_order_id: null,
      first_order_reward: null,
      created_at: now,
      updated_at: now,
    })
    .returning(REFERRAL_COLUMNS)
    .executeTakeFirstOrThrow();
}

export interface ReferralSummary {
  code: string;
  scene_key: string;
  invited_by: string | null;
  invitees: number;
  rewarded_this_month: number;
  limit_per_month: number;
}

export async function referralSummary(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<ReferralSummary> {
  const { referral: settings } = await getEngagementSettings(db, tenantId);
  const code = await inviteCodeOf(db, tenantId, memberId, now);
  const month = localDay(now, (await getTenant(db, tenantId)).time_zone).slice(0, 7);
  const [mine, count, rewarded] = await Promise.all([
    referralOfInvitee(db, tenantId, memberId),
    db
      .selectFrom("referrals")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("tenant_id", "=", tenantId)
      .where("inviter_id", "=", memberId)
      .where("status", "=", "active")
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("referral_reward_counts")
      .select("rewarded")
      .where("tenant_id", "=", tenantId)
      .where("inviter_id", "=", memberId)
      .where("month", "=", month)
      .executeTakeFirst(),
  ]);
  return {
    code,
    scene_key: `${INVITE_SCENE_PREFIX}${code}`,
    invited_by: mine?.status === "active" ? mine.inviter_id : null,
    invitees: Number(count.n),
    rewarded_this_month: rewarded?.rewarded ?? 0,
    limit_per_month: settings.max_rewarded_per_inviter_per_month,
  };
}

/** The members someone invited (refused attempts included, with their reason), newest first. */
export async function listInvitees(
  db: Executor,
  tenantId: string,
  inviterId: string,
  page: { limit: number; before: string | undefined },
): Promise<{ items: Referral[]; next_cursor: string | null }> {
  let query = db
    .selectFrom("referrals")
    .select(REFERRAL_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("inviter_id", "=", inviterId);
  if (page.before) query = query.where("referral_id", "<", page.before);
  const rows = await query
    .orderBy("referral_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (r) => r.referral_id);
}
