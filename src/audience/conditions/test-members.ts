import type { MemberFacts, MemberSnapshot } from "./member.ts";

/** A plain member for specifications: override what the test is about. */
export function memberFacts(over: Partial<MemberFacts> = {}): MemberFacts {
  return {
    member_id: "mem_test",
    status: "active",
    gender: "unknown",
    birthday: null,
    region: null,
    join_channel: "api",
    join_store_id: null,
    scene_key: null,
    home_store_id: null,
    guide_id: null,
    joined_at: new Date("2026-01-01T00:00:00Z"),
    consent_sms: false,
    consent_email: false,
    consent_im: false,
    attributes: {},
    tier_code: null,
    points_available: 0,
    growth: 0,
    orders_count: 0,
    spend_minor: 0,
    first_order_at: null,
    last_order_at: null,
    categories: [],
    channels: [],
    store_ids: [],
    ...over,
  };
}

export function snapshot(
  over: Partial<MemberFacts> = {},
  rest: Partial<Omit<MemberSnapshot, "facts">> = {},
): MemberSnapshot {
  return { facts: memberFacts(over), scores: null, ltv: null, tags: new Map(), ...rest };
}
