import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { completeDueOrders } from "../../orders/refunds.ts";
import { fixedClock } from "../../platform/clock.ts";
import {
  drainEvents,
  memberToken,
  newMember,
  placeOrder,
  pointsOf,
  timeline,
  useEngagementRelay,
} from "../engagement.test-support.ts";

const START = new Date("2026-11-04T02:00:00Z");
const DAY_MS = 86_400_000;
const later = (days: number) => new Date(START.getTime() + days * DAY_MS);

interface Summary {
  code: string;
  scene_key: string;
  invited_by: string | null;
  invitees: number;
}

describeEachDatabase("Referrals", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  const relay = useEngagementRelay(h);

  async function inviter(brand: Brand): Promise<{ id: string; token: string; summary: Summary }> {
    const id = await newMember(h(), brand);
    const token = await memberToken(h(), brand, id);
    const summary = await h().api<Summary>("GET", "/v1/me/referral", { token });
    expect(summary.status).toBe(200);
    return { id, token, summary: summary.body };
  }

  async function settle(brand: Brand, referral: Record<string, unknown>) {
    const res = await h().api("GET", "/v1/engagement/settings", { token: brand.readKey });
    const current = (res.body as { referral: Record<string, unknown> }).referral;
    const patch = await h().api("PATCH", "/v1/engagement/settings", {
      token: brand.writeKey,
      body: { referral: { ...current, ...referral } },
    });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
  }

  it("binds a member who joins through an invite link and rewards both, visibly in both timelines", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const friend = await inviter(brand);
    expect(friend.summary.scene_key).toBe(`invite:${friend.summary.code}`);
    const invitee = await newMember(h(), brand, { scene_key: friend.summary.scene_key });
    await drainEvents(relay());
    expect(await pointsOf(h(), brand, friend.id)).toBe(50);
    expect(await pointsOf(h(), brand, invitee)).toBe(50);
    for (const [member, role] of [
      [friend.id, "inviter"],
      [invitee, "invitee"],
    ] as const) {
      const events = await timeline(h(), brand, member);
      expect(events.find((e) => e.type === "referral.bound")?.payload).toMatchObject({ role });
      expect(events.find((e) => e.type === "referral.rewarded")?.payload).toMatchObject({
        role,
        trigger: "join",
        points: 50,
      });
    }
    const summary = await h().api<Summary>("GET", "/v1/me/referral", { token: friend.token });
    expect(summary.body.invitees).toBe(1);
    const mine = await h().api<Summary>("GET", "/v1/me/referral", {
      token: await memberToken(h(), brand, invitee),
    });
    expect(mine.body.invited_by).toBe(friend.id);
    // A redelivered join pays nothing more.
    await drainEvents(relay());
    expect(await pointsOf(h(), brand, friend.id)).toBe(50);
  });

  it("refuses self-referral, older members, late binding, a reused device and a second inviter", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const old = await newMember(h(), brand);
    clock.set(later(1));
    const friend = await inviter(brand);
    const bind = async (memberId: string, code: string, device_id?: string) =>
      h().api("POST", "/v1/me/referral", {
        token: await memberToken(h(), brand, memberId),
        body: { code, ...(device_id ? { device_id } : {}) },
      });
    expect((await bind(friend.id, friend.summary.code)).body).toMatchObject({
      code: "business-rule",
      reason: "self_referral",
    });
    expect((await bind(old, friend.summary.code)).body).toMatchObject({ reason: "joined_before_inviter" });
    expect((await bind(old, "ZZZZZZZZ")).body).toMatchObject({ code: "validation-failed", field: "/code" });
    const a = await newMember(h(), brand);
    const b = await newMember(h(), brand);
    const late = await newMember(h(), brand);
    expect((await bind(a, friend.summary.code.toLowerCase(), "device-1")).status).toBe(201);
    expect((await bind(b, friend.summary.code, "device-1")).body).toMatchObject({ reason: "same_device" });
    expect((await bind(a, friend.summary.code, "device-1")).status).toBe(201);
    const other = await inviter(brand);
    expect((await bind(a, other.summary.code)).status).toBe(409);
    clock.set(later(9));
    expect((await bind(late, friend.summary.code)).body).toMatchObject({ reason: "window_passed" });
    // a's join reward only, once, though bound twice.
    expect(await pointsOf(h(), brand, friend.id)).toBe(50);
  });

  it("withholds the inviter's rewards beyond the monthly limit, not the invitee's", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await settle(brand, { max_rewarded_per_inviter_per_month: 1 });
    const friend = await inviter(brand);
    const first = await newMember(h(), brand, { scene_key: friend.summary.scene_key });
    const second = await newMember(h(), brand, { scene_key: friend.summary.scene_key });
    await drainEvents(relay());
    expect(await pointsOf(h(), brand, friend.id)).toBe(50);
    expect(await pointsOf(h(), brand, first)).toBe(50);
    expect(await pointsOf(h(), brand, second)).toBe(50);
    const list = await h().api<{ items: { invitee_id: string; join_reward: string }[] }>(
      "GET",
      `/v1/members/${friend.id}/referrals`,
      { token: brand.readKey },
    );
    expect(list.body.items.map((r) => [r.invitee_id, r.join_reward])).toEqual([
      [second, "capped"],
      [first, "paid"],
    ]);
    // Next month the limit starts again.
    clock.set(new Date("2026-12-01T02:00:00Z"));
    const third = await newMember(h(), brand);
    const res = await h().api("POST", `/v1/members/${third}/referral`, {
      token: brand.writeKey,
      body: { code: friend.summary.code },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await pointsOf(h(), brand, friend.id)).toBe(100);
  });

  it("rewards the invitee's first paid order once it completes, and only the first", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await settle(brand, {
      on_first_order: {
        inviter: { points: 200, coupon: null },
        invitee: { points: 0, coupon: null },
        min_paid_minor: 5000,
        when: "completed",
      },
    });
    const friend = await inviter(brand);
    const invitee = await newMember(h(), brand, { scene_key: friend.summary.scene_key });
    await drainEvents(relay());
    const base = await pointsOf(h(), brand, friend.id);
    clock.set(later(1));
    await placeOrder(h(), brand, invitee, 1000, later(1)); // below the minimum
    const cancelled = await placeOrder(h(), brand, invitee, 8000, later(1));
    await drainEvents(relay());
    const cancel = await h().api("POST", `/v1/orders/${cancelled}/cancel`, {
      token: brand.writeKey,
      body: {},
    });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    clock.set(later(2));
    await placeOrder(h(), brand, invitee, 9000, later(2));
    await placeOrder(h(), brand, invitee, 9000, later(2));
    await drainEvents(relay());
    expect(await pointsOf(h(), brand, friend.id)).toBe(base);
    clock.set(later(12));
    const db = h().enclave.platform.database.db;
    await db.transaction().execute((tx) => completeDueOrders(tx, clock.now()));
    await drainEvents(relay());
    expect(await pointsOf(h(), brand, friend.id)).toBe(base + 200);
    const rewarded = (await timeline(h(), brand, friend.id)).filter(
      (e) => e.type === "referral.rewarded" && e.payload.trigger === "first_order",
    );
    expect(rewarded).toHaveLength(1);
  });
});
