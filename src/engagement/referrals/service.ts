import { randomInt } from "node:crypto";
import { sql } from "kysely";
import { getMember, type Member } from "../../members/service.ts";
import type { Executor } from "../../platform/db/database.ts";
import { recordEvent } from "../../platform/events.ts";
import { toPage } from "../../platform/http/pagination.ts";
import { invalidField, Problem } from "../../platform/http/problems.ts";
import { lockBalances } from "../../points/balances.ts";
import { getTenant } from "../../tenants/service.ts";
import { localDay } from "../../points/expiry.ts";
import { engagementId } from "../ids.ts";
import { payReward, type RewardPaid } from "../rewards.ts";
import type { ReferralSettings } from "../settings-schema.ts";
import { getEngagementSettings } from "../settings.ts";
import type { ReferralReward, ReferralStatus } from "../tables.ts";
import {
  type BindRefusal,
  bindRefusal,
  hasReward,
  INVITE_CODE_ALPHABET,
  INVITE_CODE_LENGTH,
  INVITE_SCENE_PREFIX,
} from "./rules.ts";

const MAX_CODE_ATTEMPTS = 5;

export interface Referral {
  referral_id: string;
  invitee_id: string;
  inviter_id: string;
  code: string;
  status: ReferralStatus;
  reject_reason: string | null;
  join_reward: ReferralReward | null;
  first_order_id: string | null;
  first_order_reward: ReferralReward | null;
  created_at: Date;
}

const REFERRAL_COLUMNS = [
  "referral_id",
  "invitee_id",
  "inviter_id",
  "code",
  "status",
  "reject_reason",
  "join_reward",
  "first_order_id",
  "first_order_reward",
  "created_at",
] as const;

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

export async function referralOfInvitee(
  db: Executor,
  tenantId: string,
  inviteeId: string,
): Promise<Referral | undefined> {
  return db
    .selectFrom("referrals")
    .select(REFERRAL_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("invitee_id", "=", inviteeId)
    .executeTakeFirst();
}

type Trigger = "join" | "first_order";

/**
 * Pays one trigger's rewards to both members, once: the referral's reward column is claimed first. The inviter's
 * reward counts against their monthly limit; over it, the inviter's reward is withheld ("capped"), the invitee's not.
 */
async function payTrigger(
  tx: Executor,
  tenantId: string,
  referral: Referral,
  trigger: Trigger,
  settings: ReferralSettings,
  actor: string,
  now: Date,
): Promise<Referral> {
  const rewards = trigger === "join" ? settings.on_join : settings.on_first_order;
  const column = trigger === "join" ? "join_reward" : "first_order_reward";
  // The row lock makes the check below and the limit count one decision: a redelivered event pays nothing.
  const current = await tx
    .selectFrom("referrals")
    .select(REFERRAL_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("referral_id", "=", referral.referral_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (current[column] !== null || current.status !== "active") return current;
  let inviterOutcome: ReferralReward = "paid";
  if (hasReward(rewards.inviter)) {
    const month = localDay(now, (await getTenant(tx, tenantId)).time_zone).slice(0, 7);
    const taken = await sql<{ rewarded: number }>`
      INSERT INTO referral_reward_counts (tenant_id, inviter_id, month, rewarded)
      SELECT ${tenantId}, ${referral.inviter_id}, ${month}, 1 WHERE ${settings.max_rewarded_per_inviter_per_month}::int >= 1
      ON CONFLICT (tenant_id, inviter_id, month)
      DO UPDATE SET rewarded = referral_reward_counts.rewarded + 1
      WHERE referral_reward_counts.rewarded < ${settings.max_rewarded_per_inviter_per_month}::int
      RETURNING rewarded`.execute(tx);
    if (taken.rows.length === 0) inviterOutcome = "capped";
  }
  const claimed = await tx
    .updateTable("referrals")
    .set({ [column]: inviterOutcome, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("referral_id", "=", referral.referral_id)
    .returning(REFERRAL_COLUMNS)
    .executeTakeFirstOrThrow();
  const pay = async (role: "inviter" | "invitee", memberId: string): Promise<RewardPaid | undefined> => {
    const reward = rewards[role];
    if (!hasReward(reward) || (role === "inviter" && inviterOutcome === "capped")) return undefined;
    return payReward(
      tx,
      tenantId,
      {
        member_id: memberId,
        points: reward.points,
        coupon: reward.coupon,
        source_type: "engagement.referral",
        source_id: `${referral.referral_id}:${trigger}:${role}`,
        reason:
          role === "inviter"
            ? `Invited a friend (${trigger.replace("_", " ")})`
            : `Joined by invitation (${trigger.replace("_", " ")})`,
        actor,
      },
      now,
    );
  };
  for (const [role, memberId] of [
    ["invitee", referral.invitee_id],
    ["inviter", referral.inviter_id],
  ] as const) {
    const paid = await pay(role, memberId);
    const capped = role === "inviter" && inviterOutcome === "capped" && hasReward(rewards.inviter);
    if (!paid && !capped) continue;
    await recordEvent(tx, {
      tenantId,
      type: "referral.rewarded",
      subjectId: memberId,
      at: now,
      payload: {
        member_id: memberId,
        role,
        trigger,
        referral_id: referral.referral_id,
        inviter_id: referral.inviter_id,
        invitee_id: referral.invitee_id,
        points: paid?.points ?? 0,
        coupon_issue_id: paid?.coupon_issue_id ?? null,
        withheld_by_limit: capped,
      },
    });
  }
  return claimed;
}

/** An invitee's order arrived: the first that qualifies is remembered, and paid for now or when it completes. */
export async function onInviteeOrder(
  tx: Executor,
  tenantId: string,
  order: { member_id: string; order_id: string; paid_minor: number },
  now: Date,
): Promise<void> {
  const referral = await referralOfInvitee(tx, tenantId, order.member_id);
  if (!referral || referral.status !== "active" || referral.first_order_reward !== null) return;
  if (referral.first_order_id !== null) return;
  const { referral: settings } = await getEngagementSettings(tx, tenantId);
  if (order.paid_minor < settings.on_first_order.min_paid_minor) return;
  const marked = await tx
    .updateTable("referrals")
    .set({ first_order_id: order.order_id, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("referral_id", "=", referral.referral_id)
    .where("first_order_id", "is", null)
    .returning(REFERRAL_COLUMNS)
    .executeTakeFirst();
  if (marked && settings.on_first_order.when === "created")
    await payTrigger(tx, tenantId, marked, "first_order", settings, "system:referral", now);
}

/** The remembered first order completed (its return window passed): pay, if the brand pays on completion. */
export async function onInviteeOrderCompleted(
  tx: Executor,
  tenantId: string,
  memberId: string,
  orderId: string,
  now: Date,
): Promise<void> {
  const referral = await referralOfInvitee(tx, tenantId, memberId);
  if (!referral || referral.first_order_id !== orderId || referral.first_order_reward !== null) return;
  const { referral: settings } = await getEngagementSettings(tx, tenantId);
  if (settings.on_first_order.when !== "completed") return;
  await payTrigger(tx, tenantId, referral, "first_order", settings, "system:referral", now);
}

/** The remembered first order was cancelled or fully refunded before paying: the next order may qualify. */
export async function forgetInviteeOrder(
  tx: Executor,
  tenantId: string,
  memberId: string,
  orderId: string,
  now: Date,
): Promise<void> {
  await tx
    .updateTable("referrals")
    .set({ first_order_id: null, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("invitee_id", "=", memberId)
    .where("first_order_id", "=", orderId)
    .where("first_order_reward", "is", null)
    .execute();
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
