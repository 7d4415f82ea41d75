import { typeid } from "typeid-js";

/**
 * Prefixed, time-ordered identifiers (TypeID: prefix + UUIDv7 in base32), so ids sort by creation
 * and say what they name: `mem_01jd…`, `ord_01jd…`. Never a bare sequence in the API.
 */
export const ID_PREFIXES = {
  tenant: "ten",
  apiKey: "key",
  staff: "stf",
  session: "ses",
  orgUnit: "ou",
  member: "mem",
  order: "ord",
  refund: "rfd",
  event: "evt",
  otp: "otp",
  journal: "jnl",
  lot: "lot",
  tier: "tier",
  rule: "rule",
  plan: "plan",
  subscription: "sub",
  couponTemplate: "ctpl",
  couponPack: "cpk",
  coupon: "cpn",
  couponIssue: "cis",
  checkout: "chk",
  reward: "rwd",
  redemption: "rdm",
  handover: "gho",
  assignment: "asg",
  channelCode: "chc",
  staffTask: "tsk",
  staffContact: "ctc",
  quickReply: "qrp",
  audit: "aud",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function newId(kind: IdKind): string {
  return typeid(ID_PREFIXES[kind]).toString();
}

const ID_SHAPE = /^([a-z]+)_[0-7][0-9a-hjkmnp-tv-z]{25}$/;

/** True when `value` looks like an id of the given kind (cheap shape check; existence is the store's job). */
export function isId(kind: IdKind, value: string): boolean {
  const match = ID_SHAPE.exec(value);
  return match !== null && match[1] === ID_PREFIXES[kind];
}
