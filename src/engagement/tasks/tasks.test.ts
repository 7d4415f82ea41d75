import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { fixedClock } from "../../platform/clock.ts";
import {
  couponCodes,
  couponTemplate,
  memberToken,
  newMember,
  pointsOf,
  timeline,
} from "../engagement.test-support.ts";

// Wednesday 4 November 2026, 10:00 in Shanghai.
const START = new Date("2026-11-04T02:00:00Z");
const DAY_MS = 86_400_000;

interface Outcome {
  ref: string;
  replayed: boolean;
  completions: { task_code: string; period: string; seq: number; points: number }[];
  capped: string[];
}

describeEachDatabase("Tasks", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  let refCounter = 0;

  async function task(brand: Brand, body: Record<string, unknown>) {
    const res = await h().api<{ task_id: string }>("POST", "/v1/engagement/tasks", {
      token: brand.writeKey,
      body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function report(
    brand: Brand,
    memberId: string,
    type: string,
    at = clock.now(),
    ref = `ev-${++refCounter}`,
  ) {
    return h().api<Outcome>("POST", "/v1/engagement/events", {
      token: brand.writeKey,
      body: { member_id: memberId, type, ref, occurred_at: at.toISOString() },
    });
  }

  it("completes a daily task every N events up to the day's cap, and again the next day", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await task(brand, {
      code: "READ3",
      name: "Read three articles",
      event_type: "article_read",
      period: "daily",
      events_required: 3,
      max_completions_per_period: 2,
      reward_points: 5,
    });
    const member = await newMember(h(), brand);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 9; i++) outcomes.push((await report(brand, member, "article_read")).body);
    expect(outcomes.map((o) => o.completions.map((c) => c.seq))).toEqual([
      [],
      [],
      [1],
      [],
      [],
      [2],
      [],
      [],
      [],
    ]);
    expect(outcomes[8]?.capped).toEqual(["READ3"]);
    expect(outcomes[2]?.completions[0]).toMatchObject({
      task_code: "READ3",
      period: "2026-11-04",
      points: 5,
    });
    expect(await pointsOf(h(), brand, member)).toBe(10);
    // 00:30 the next day in Shanghai is a new period.
    clock.set(new Date("2026-11-04T16:30:00Z"));
    for (let i = 0; i < 3; i++) await report(brand, member, "article_read");
    expect(await pointsOf(h(), brand, member)).toBe(15);
    const completed = (await timeline(h(), brand, member)).filter((e) => e.type === "task.completed");
    expect(completed).toHaveLength(3);
  });

  it("counts an event once however often it is sent", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await task(brand, {
      code: "REVIEW",
      name: "Post a review",
      event_type: "review_posted",
      period: "daily",
      reward_points: 20,
    });
    const member = await newMember(h(), brand);
    const first = await report(brand, member, "review_posted", START, "review-77");
    const again = await report(brand, member, "review_posted", START, "review-77");
    expect(first.body.completions).toHaveLength(1);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ replayed: true, completions: first.body.completions });
    expect(await pointsOf(h(), brand, member)).toBe(20);
    const other = await newMember(h(), brand);
    const misuse = await report(brand, other, "review_posted", START, "review-77");
    expect(misuse.status).toBe(409);
    expect(misuse.body).toMatchObject({ code: "conflict", field: "/ref" });
  });

  it("rewards a one-off task once and a weekly task once per week, with coupons", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await couponTemplate(h(), brand, "LIVE5");
    await task(brand, {
      code: "PROFILE",
      name: "Complete your profile",
      event_type: "profile_completed",
      period: "once",
      reward_points: 50,
    });
    await task(brand, {
      code: "LIVE",
      name: "Subscribe to a live stream",
      event_type: "live_subscribed",
      period: "weekly",
      reward_coupon: "LIVE5",
    });
    const member = await newMember(h(), brand);
    await report(brand, member, "profile_completed");
    clock.set(new Date(START.getTime() + 10 * DAY_MS));
    expect((await report(brand, member, "profile_completed")).body.completions).toEqual([]);
    expect(await pointsOf(h(), brand, member)).toBe(50);
    // Wednesday and Sunday of one ISO week, then the Monday after.
    const week = [0, 4, 5].map((d) => new Date(START.getTime() + d * DAY_MS));
    clock.set(week[2] ?? START);
    const periods = [];
    for (const at of week)
      periods.push(
        (await report(brand, member, "live_subscribed", at)).body.completions.map((c) => c.period),
      );
    expect(periods).toEqual([["2026-W45"], [], ["2026-W46"]]);
    expect(await couponCodes(h(), brand, member)).toEqual(["LIVE5", "LIVE5"]);
  });

  it("shows a member their tasks and progress", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await task(brand, {
      code: "SHARE2",
      name: "Share twice",
      event_type: "share",
      period: "daily",
      events_required: 2,
      reward_points: 3,
    });
    const member = await newMember(h(), brand);
    await report(brand, member, "share");
    const token = await memberToken(h(), brand, member);
    const mine = await h().api<{ items: Record<string, unknown>[] }>("GET", "/v1/me/tasks", { token });
    expect(mine.body.items).toEqual([
      expect.objectContaining({
        code: "SHARE2",
        period_key: "2026-11-04",
        events: 1,
        events_required: 2,
        completions: 0,
        done: false,
      }),
    ]);
    // Members cannot report their own events: only the brand's servers can.
    const self = await h().api("POST", "/v1/engagement/events", {
      token,
      body: { member_id: member, type: "share", ref: "x", occurred_at: START.toISOString() },
    });
    expect(self.status).toBe(403);
  });

  it("refuses events it cannot count", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const member = await newMember(h(), brand);
    const unknown = await report(brand, "mem_01jd0000000000000000000000", "share");
    expect(unknown.body).toMatchObject({ code: "validation-failed", field: "/member_id" });
    const future = await report(brand, member, "share", new Date(START.getTime() + DAY_MS));
    expect(future.body).toMatchObject({ code: "validation-failed", field: "/occurred_at" });
    const old = await report(brand, member, "share", new Date(START.getTime() - 40 * DAY_MS));
    expect(old.body).toMatchObject({ code: "business-rule" });
    const badType = await report(brand, member, "telepathy");
    expect(badType.body).toMatchObject({ code: "validation-failed" });
    const otherBrand = await h().newBrand();
    expect((await report(otherBrand, member, "share")).body).toMatchObject({ field: "/member_id" });
    const noReward = await h().api("POST", "/v1/engagement/tasks", {
      token: brand.writeKey,
      body: { code: "NOTHING", name: "Nothing", event_type: "share", period: "daily" },
    });
    expect(noReward.body).toMatchObject({ code: "validation-failed", field: "/reward_points" });
    const unknownCoupon = await h().api("POST", "/v1/engagement/tasks", {
      token: brand.writeKey,
      body: { code: "GHOST", name: "Ghost", event_type: "share", period: "daily", reward_coupon: "NOPE" },
    });
    expect(unknownCoupon.body).toMatchObject({ code: "validation-failed", field: "/reward_coupon" });
  });
});
