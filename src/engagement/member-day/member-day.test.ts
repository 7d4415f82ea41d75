import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { fixedClock } from "../../platform/clock.ts";
import { couponCodes, couponTemplate, memberToken, newMember } from "../engagement.test-support.ts";

// 7 November 2026, 10:00 in Shanghai; the member day below is the 8th.
const START = new Date("2026-11-07T02:00:00Z");
const DAY_MS = 86_400_000;
const later = (days: number) => new Date(START.getTime() + days * DAY_MS);

describeEachDatabase("Member day", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  let orderCounter = 0;

  async function pointsFor(brand: Brand, memberId: string, at: Date): Promise<number> {
    clock.set(at);
    const res = await h().api<{ points_earned: number }>("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: `md-${++orderCounter}`,
        member: { member_id: memberId },
        currency: "CNY",
        ordered_at: at.toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 10_000 }],
        paid_minor: 10_000,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.points_earned;
  }

  async function setMemberDay(brand: Brand, body: Record<string, unknown>) {
    const res = await h().api<{ earn_rule_id: string | null }>("PUT", "/v1/engagement/member-day", {
      token: brand.writeKey,
      body: { enabled: true, day_of_month: 8, points_multiplier: 2, coupons: [], ...body },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  it("multiplies points on the brand-local member day through an ordinary earn rule", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const member = await newMember(h(), brand);
    const config = await setMemberDay(brand, {});
    const rules = await h().api<{ items: { rule_id: string; name: string; active: boolean }[] }>(
      "GET",
      "/v1/earn-rules",
      {
        token: brand.readKey,
      },
    );
    expect(rules.body.items).toContainEqual(
      expect.objectContaining({ rule_id: config.earn_rule_id, name: "Member day", active: true }),
    );
    expect(await pointsFor(brand, member, later(0))).toBe(100);
    // 00:30 on the 8th in Shanghai is still the 7th in UTC.
    expect(await pointsFor(brand, member, new Date("2026-11-07T16:30:00Z"))).toBe(200);
    expect(await pointsFor(brand, member, later(2))).toBe(100);
    // Changing the day moves the same rule; switching off deactivates it.
    const moved = await setMemberDay(brand, { day_of_month: 10, points_multiplier: 3 });
    expect(moved.earn_rule_id).toBe(config.earn_rule_id);
    expect(await pointsFor(brand, member, new Date("2026-11-10T02:00:00Z"))).toBe(300);
    await setMemberDay(brand, { enabled: false, day_of_month: 10 });
    expect(await pointsFor(brand, member, new Date("2026-11-10T03:00:00Z"))).toBe(100);
  });

  it("lets members claim exclusive coupons on member day only, once a month", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await couponTemplate(h(), brand, "MD20");
    await setMemberDay(brand, { coupons: ["MD20"], points_multiplier: 1 });
    const member = await newMember(h(), brand);
    let token = await memberToken(h(), brand, member);
    const claim = () =>
      h().api("POST", "/v1/me/member-day/coupons", { token, body: { template_code: "MD20" } });
    const before = await h().api("GET", "/v1/me/member-day", { token });
    expect(before.body).toMatchObject({
      is_member_day: false,
      next_member_day: "2026-11-08",
      today: "2026-11-07",
    });
    expect((await claim()).body).toMatchObject({ code: "business-rule" });
    clock.set(later(1));
    const first = await claim();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await claim()).status).toBe(409);
    const during = await h().api("GET", "/v1/me/member-day", { token });
    expect(during.body).toMatchObject({
      is_member_day: true,
      coupons: [{ template_code: "MD20", claimed_this_month: true }],
    });
    clock.set(new Date("2026-12-08T02:00:00Z"));
    token = await memberToken(h(), brand, member);
    expect((await claim()).status).toBe(201);
    expect(await couponCodes(h(), brand, member)).toEqual(["MD20", "MD20"]);
    const notOffered = await h().api("POST", "/v1/me/member-day/coupons", {
      token,
      body: { template_code: "OTHER" },
    });
    expect(notOffered.body).toMatchObject({ code: "validation-failed", field: "/template_code" });
    const unknown = await h().api("PUT", "/v1/engagement/member-day", {
      token: brand.writeKey,
      body: { enabled: true, day_of_month: 8, points_multiplier: 2, coupons: ["NOPE"] },
    });
    expect(unknown.body).toMatchObject({ code: "validation-failed", field: "/coupons/0" });
    const day31 = await h().api("PUT", "/v1/engagement/member-day", {
      token: brand.writeKey,
      body: { enabled: true, day_of_month: 31, points_multiplier: 2, coupons: [] },
    });
    expect(day31.status).toBe(400);
  });
});
