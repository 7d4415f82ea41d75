import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { fixedClock } from "../../platform/clock.ts";
import {
  couponCodes,
  couponTemplate,
  grant,
  ledgerProblems,
  memberToken,
  newMember,
  pointsOf,
  timeline,
} from "../engagement.test-support.ts";

// 10:00 in Shanghai (the harness brand's zone) on Monday 2 November 2026.
const START = new Date("2026-11-02T02:00:00Z");
const DAY_MS = 86_400_000;
const at = (days: number, hoursUtc = 2) =>
  new Date(START.getTime() + days * DAY_MS + (hoursUtc - 2) * 3_600_000);

interface Checkin {
  day: string;
  kind: string;
  streak: number;
  points: number;
  cost_points: number;
  streak_rewards: { days: number; points: number }[];
}

interface Calendar {
  today: string;
  checked_in_today: boolean;
  current_streak: number;
  next_streak_reward: { days: number; days_to_go: number } | null;
  days: {
    day: string;
    checked_in: boolean;
    kind: string | null;
    streak: number | null;
    can_make_up: boolean;
  }[];
  makeup: { left_this_month: number };
}

describeEachDatabase("Check-in", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });

  async function member(brand: Brand): Promise<{ id: string; token: string }> {
    clock.set(at(-1));
    const id = await newMember(h(), brand);
    return { id, token: await memberToken(h(), brand, id) };
  }

  async function checkIn(token: string, when: Date, headers: Record<string, string> = {}) {
    clock.set(when);
    return h().api<Checkin>("POST", "/v1/me/checkins", { token, headers });
  }

  it("checks in once per brand-local day and counts the streak", async () => {
    const brand = await h().newBrand();
    const m = await member(brand);
    const first = await checkIn(m.token, at(0));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ day: "2026-11-02", kind: "regular", streak: 1, points: 5 });
    const again = await checkIn(m.token, at(0, 10));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "conflict" });
    // 23:59 and 00:01 in Shanghai are 15:59 and 16:01 UTC: two different days.
    const lateSameDay = await checkIn(m.token, at(0, 15.98));
    expect(lateSameDay.status).toBe(409);
    const nextDay = await checkIn(m.token, at(0, 16.02));
    expect(nextDay.status).toBe(201);
    expect(nextDay.body).toMatchObject({ day: "2026-11-03", streak: 2 });
    expect(await pointsOf(h(), brand, m.id)).toBe(10);
  });

  it("pays streak rewards on the 3rd and 7th consecutive day, once", async () => {
    const brand = await h().newBrand();
    const m = await member(brand);
    const rewards: Checkin["streak_rewards"][] = [];
    for (let d = 0; d < 7; d++) {
      const res = await checkIn(m.token, at(d));
      expect(res.status).toBe(201);
      rewards.push(res.body.streak_rewards);
    }
    expect(rewards.map((r) => r.map((x) => x.days))).toEqual([[], [], [3], [], [], [], [7]]);
    // 7 × 5 daily + 10 on day 3 + 30 on day 7.
    expect(await pointsOf(h(), brand, m.id)).toBe(75);
    const events = await timeline(h(), brand, m.id);
    expect(events.filter((e) => e.type === "checkin.recorded")).toHaveLength(7);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("starts over after a missed day and says the streak broke", async () => {
    const brand = await h().newBrand();
    const m = await member(brand);
    await checkIn(m.token, at(0));
    await checkIn(m.token, at(1));
    const after = await checkIn(m.token, at(3));
    expect(after.body.streak).toBe(1);
    const broken = (await timeline(h(), brand, m.id)).find((e) => e.type === "checkin.streak_broken");
    expect(broken?.payload).toMatchObject({ streak_days: 2, last_day: "2026-11-03", day: "2026-11-05" });
  });

  it("makes up a missed day for points, joining the streak and paying the milestone it reaches", async () => {
    const brand = await h().newBrand();
    const m = await member(brand);
    await checkIn(m.token, at(0));
    await checkIn(m.token, at(2));
    await grant(h(), brand, m.id, 100);
    const before = await pointsOf(h(), brand, m.id);
    const makeup = await h().api<Checkin>("POST", "/v1/me/checkins/makeup", {
      token: m.token,
      body: { day: "2026-11-03" },
    });
    expect(makeup.status, JSON.stringify(makeup.body)).toBe(201);
    expect(makeup.body).toMatchObject({ kind: "makeup", streak: 2, points: 0, cost_points: 20 });
    // Days 2, 3 (made up) and 4 are now a 3-day streak: the 3-day reward (10) is paid, the make-up cost 20.
    expect(makeup.body.streak_rewards.map((r) => r.days)).toEqual([3]);
    expect(await pointsOf(h(), brand, m.id)).toBe(before - 20 + 10);
    const calendar = await h().api<Calendar>("GET", "/v1/me/checkins", { token: m.token });
    expect(calendar.body.current_streak).toBe(3);
    expect(calendar.body.days.slice(1, 4).map((d) => [d.kind, d.streak])).toEqual([
      ["regular", 1],
      ["makeup", 2],
      ["regular", 3],
    ]);
    expect(calendar.body.makeup.left_this_month).toBe(2);
    expect(calendar.body.next_streak_reward).toMatchObject({ days: 7, days_to_go: 4 });
    // Checking in the next day continues the joined streak.
    expect((await checkIn(m.token, at(3))).body.streak).toBe(4);
  });

  it("never pays a milestone twice when a make-up joins two streaks", async () => {
    const brand = await h().newBrand();
    const m = await member(brand);
    // 2–3 November, then 5–11 November (paid at 3 and 7 days), then 4 November made up: one run of 10 days.
    for (const d of [0, 1, 3, 4, 5, 6, 7, 8, 9]) await checkIn(m.token, at(d));
    await grant(h(), brand, m.id, 100);
    const before = await pointsOf(h(), brand, m.id);
    const makeup = await h().api<Checkin>("POST", "/v1/me/checkins/makeup", {
      token: m.token,
      body: { day: "2026-11-04" },
    });
    expect(makeup.status, JSON.stringify(makeup.body)).toBe(201);
    expect(makeup.body.streak_rewards).toEqual([]);
    expect(await pointsOf(h(), brand, m.id)).toBe(before - 20);
    const calendar = await h().api<Calendar>("GET", "/v1/me/checkins", { token: m.token });
    expect(calendar.body.current_streak).toBe(10);
  });

  it("refuses make-ups that are not allowed", async () => {
    const brand = await h().newBrand();
    const m = await member(brand);
    await checkIn(m.token, at(9));
    const makeup = (day: string) =>
      h().api("POST", "/v1/me/checkins/makeup", { token: m.token, body: { day } });
    // Nothing to pay with yet.
    expect((await makeup("2026-11-10")).body).toMatchObject({ code: "insufficient-points" });
    await grant(h(), brand, m.id, 100);
    expect((await makeup("2026-11-11")).body).toMatchObject({ code: "business-rule", field: "/day" });
    expect((await makeup("2026-11-01")).body).toMatchObject({ code: "business-rule" });
    expect((await makeup("2026-10-31")).body).toMatchObject({ code: "business-rule" });
    expect((await makeup("2026-11-10")).status).toBe(201);
    expect((await makeup("2026-11-10")).status).toBe(409);
    expect((await makeup("not-a-day")).body).toMatchObject({ code: "validation-failed" });
    expect((await makeup("2026-02-30")).body).toMatchObject({ code: "validation-failed" });
    const calendar = await h().api<Calendar>("GET", "/v1/me/checkins?month=2026-11", { token: m.token });
    const makeable = calendar.body.days.filter((d) => d.can_make_up).map((d) => d.day);
    // Joined 1 Nov; today the 11th; up to 7 days back; the 10th is already made up.
    expect(makeable).toEqual([
      "2026-11-04",
      "2026-11-05",
      "2026-11-06",
      "2026-11-07",
      "2026-11-08",
      "2026-11-09",
    ]);
  });

  it("honours the brand's settings and retries with an Idempotency-Key", async () => {
    const brand = await h().newBrand();
    await couponTemplate(h(), brand, "STREAK2");
    const settings = await h().api("PATCH", "/v1/engagement/settings", {
      token: brand.ownerToken,
      body: {
        checkin: {
          enabled: true,
          daily_points: 1,
          streak_rewards: [{ days: 2, points: 0, coupon: "STREAK2" }],
          makeup: { enabled: false, cost_points: 0, max_days_back: 1, max_per_month: 0 },
        },
      },
    });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const invalid = async (streak_rewards: unknown[]) =>
      (
        await h().api("PATCH", "/v1/engagement/settings", {
          token: brand.ownerToken,
          body: {
            checkin: {
              enabled: true,
              daily_points: 1,
              streak_rewards,
              makeup: { enabled: false, cost_points: 0, max_days_back: 1, max_per_month: 0 },
            },
          },
        })
      ).body;
    expect(
      await invalid([
        { days: 3, points: 1, coupon: null },
        { days: 3, points: 2, coupon: null },
      ]),
    ).toMatchObject({ code: "validation-failed", field: "/checkin/streak_rewards/1/days" });
    expect(await invalid([{ days: 3, points: 1, coupon: "NOPE" }])).toMatchObject({
      field: "/checkin/streak_rewards/0/coupon",
    });
    const m = await member(brand);
    await checkIn(m.token, at(0));
    const first = await checkIn(m.token, at(1), { "idempotency-key": "tap-1" });
    const replay = await checkIn(m.token, at(1), { "idempotency-key": "tap-1" });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(await pointsOf(h(), brand, m.id)).toBe(2);
    expect(await couponCodes(h(), brand, m.id)).toEqual(["STREAK2"]);
    const other = await h().newBrand();
    expect((await h().api("GET", `/v1/members/${m.id}/checkins`, { token: other.readKey })).status).toBe(404);
    expect((await h().api("POST", "/v1/me/checkins", { token: brand.readKey })).status).toBe(403);
  });
});
