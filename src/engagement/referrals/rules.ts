/** Referral decisions, pure: who may name whom as their inviter, and whose reward a limit withholds. */

export type BindRefusal =
  | "disabled"
  | "self_referral"
  | "same_phone"
  | "same_device"
  | "inviter_not_active"
  | "invitee_not_active"
  | "joined_before_inviter"
  | "window_passed"
  | "unknown_code"
  | "already_referred";

export const BIND_REFUSALS: Record<BindRefusal, string> = {
  disabled: "referrals are not offered by this brand",
  self_referral: "a member cannot invite themselves",
  same_phone: "the invitee has the inviter's phone number",
  same_device: "this device was already used for a referral",
  inviter_not_active: "the inviter's membership is not active",
  invitee_not_active: "only an active member can be invited",
  joined_before_inviter: "the invitee was a member before the inviter",
  window_passed: "the time to name an inviter after joining has passed",
  unknown_code: "no such invite code",
  already_referred: "the member already has an inviter",
};

export interface BindParty {
  member_id: string;
  status: string;
  phone: string | null;
  joined_at: Date;
}

/** Why a binding is refused, or undefined when it may be made. Device checks need the store; see the service. */
export function bindRefusal(
  input: { enabled: boolean; bind_window_days: number; inviter: BindParty; invitee: BindParty },
  now: Date,
): BindRefusal | undefined {
  const { inviter, invitee } = input;
  if (!input.enabled) return "disabled";
  if (inviter.member_id === invitee.member_id) return "self_referral";
  if (inviter.phone !== null && inviter.phone === invitee.phone) return "same_phone";
  if (inviter.status !== "active") return "inviter_not_active";
  if (invitee.status !== "active") return "invitee_not_active";
  if (invitee.joined_at < inviter.joined_at) return "joined_before_inviter";
  if (now.getTime() - invitee.joined_at.getTime() > input.bind_window_days * 86_400_000)
    return "window_passed";
  return undefined;
}

/** Invite codes: 8 symbols without I, L, O, U (read aloud or typed from a poster without confusion). */
export const INVITE_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const INVITE_CODE_LENGTH = 8;
/** The join scene an invite link carries: a member who joins with it is bound to the inviter. */
export const INVITE_SCENE_PREFIX = "invite:";

export function inviteCodeOfScene(sceneKey: unknown): string | undefined {
  if (typeof sceneKey !== "string" || !sceneKey.startsWith(INVITE_SCENE_PREFIX)) return undefined;
  const code = sceneKey.slice(INVITE_SCENE_PREFIX.length).toUpperCase();
  return /^[0-9A-Z]{4,16}$/.test(code) ? code : undefined;
}

export function hasReward(reward: { points: number; coupon: string | null }): boolean {
  return reward.points > 0 || reward.coupon !== null;
}
