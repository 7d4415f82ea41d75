import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { fixedClock } from "../../platform/clock.ts";
import { joinedMember, purchase } from "../audience.test-support.ts";
import { recomputeAudience } from "../recompute.ts";
import { MAX_POINTS, parsePeriod } from "./period.ts";

// 2026-06-10 12:00 in Shanghai.
const NOW = new Date("2026-06-10T04:00:00.000Z");
const DAY = 86_400_000;

describe("Reporting periods", () => {
  it("reads local days in the brand's zone and bounds the series", () => {
    const period = parsePeriod(
      { from: "2026-06-01", to: "2026-06-10", interval: "day" },
      "Asia/Shanghai",
      NOW,
    );
    expect(period.start.toISOString()).toBe("2026-05-31T16:00:00.000Z");
    expect(period.end.toISOString()).toBe("2026-06-10T16:00:00.000Z");
    expect(() =>
      parsePeriod({ from: "2020-01-01", to: "2026-06-10", interval: "day" }, "Asia/Shanghai", NOW),
    ).toThrow(`at most ${MAX_POINTS}`);
    expect(() => parsePeriod({ from: "2026-06-11", to: "2026-06-10" }, "Asia/Shanghai", NOW)).toThrow(
      "must not be after to",
    );
  });
});

describeEachDatabase("Member analytics", (database) => {
  const clock = fixedClock(NOW);
  const h = useEnclave(database, { clock });
  let brand: Brand;
  let repeat = "";

  beforeAll(async () => {
    brand = await h().newBrand();
    repeat = await joinedMember(h(), brand, NOW, 40);
    const once = await joinedMember(h(), brand, NOW, 5);
    await joinedMember(h(), brand, NOW, 5);
    await joinedMember(h(), brand, NOW, 2);
    await purchase(h(), brand, repeat, NOW, 35, 10_000);
    await purchase(h(), brand, repeat, NOW, 3, 20_000, {}, { channel: "mini_program" });
    await purchase(h(), brand, once, NOW, 1, 30_000);
    // A customer without a card: a sale, but not a member's.
    const guest = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: "guest-1",
        member: { phone: "13700000001" },
        currency: "CNY",
        ordered_at: new Date(NOW.getTime() - 2 * DAY).toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 40_000 }],
        paid_minor: 40_000,
      },
    });
    expect(guest.status).toBe(201);
    await recomputeAudience(h().enclave.platform.database.db, brand.tenantId, NOW);
  });

  it("counts joins per day and the membership at each day's end", async () => {
    const res = await h().api<{
      series: { period: string; joined: number; members: number; growth_rate: number | null }[];
    }>("GET", "/v1/audience/analytics/membership?from=2026-06-04&to=2026-06-10", { token: brand.readKey });
    expect(res.status).toBe(200);
    expect(res.body.series).toHaveLength(7);
    expect(res.body.series.find((p) => p.period === "2026-06-05")).toEqual({
      period: "2026-06-05",
      joined: 2,
      members: 3,
      growth_rate: 2,
    });
    expect(res.body.series.at(-1)).toMatchObject({ period: "2026-06-10", joined: 0, members: 4 });
  });

  it("measures member contribution, repurchase, order value and frequency over the period", async () => {
    const res = await h().api<
      Record<string, unknown> & { by_channel: { channel: string; orders: number }[] }
    >("GET", "/v1/audience/analytics/sales?from=2026-06-01&to=2026-06-10", { token: brand.readKey });
    expect(res.body).toMatchObject({
      orders: 3,
      sales_minor: 90_000,
      member_orders: 2,
      member_sales_minor: 50_000,
      member_contribution: 50_000 / 90_000,
      buyers: 2,
      repeat_buyers: 0,
      repurchase_rate: 0,
      average_order_value_minor: 25_000,
      purchase_frequency: 1,
    });
    expect(res.body.by_channel).toContainEqual(
      expect.objectContaining({ channel: "mini_program", orders: 1 }),
    );
    const longer = await h().api<{ repurchase_rate: number; buyers: number }>(
      "GET",
      "/v1/audience/analytics/sales?from=2026-05-01&to=2026-06-10",
      { token: brand.readKey },
    );
    expect(longer.body).toMatchObject({ buyers: 2, repurchase_rate: 0.5 });
  });

  it("reports points issued per period and the liability", async () => {
    const res = await h().api<{ series: Record<string, unknown>[]; outstanding: number }>(
      "GET",
      "/v1/audience/analytics/points?from=2026-05-01&to=2026-06-10&interval=month",
      { token: brand.readKey },
    );
    // A point per yuan, booked when the order was placed: 100 in May; 200 + 300 and the guest's 400 (a prospect
    // earns) in June. Nothing spent, expired, reversed or adjusted, so all of it is still held.
    const none = { redeemed: 0, expired: 0, reversed: 0, adjusted: 0 };
    expect(res.body.series).toEqual([
      { period: "2026-05-01", issued: 100, ...none },
      { period: "2026-06-01", issued: 900, ...none },
    ]);
    expect(res.body.outstanding).toBe(1_000);
  });

  it("follows each join month's members through the months since", async () => {
    const res = await h().api<{
      cohorts: {
        cohort: string;
        members: number;
        retention: { month: number; members: number; rate: number | null }[];
      }[];
    }>("GET", "/v1/audience/analytics/cohorts?months=2", { token: brand.readKey });
    const [may, june] = res.body.cohorts;
    expect(may).toEqual({
      cohort: "2026-05",
      members: 1,
      retention: [
        { month: 0, members: 1, rate: 1 },
        { month: 1, members: 1, rate: 1 },
      ],
    });
    expect(june).toEqual({
      cohort: "2026-06",
      members: 3,
      retention: [{ month: 0, members: 1, rate: 1 / 3 }],
    });
  });

  it("is for HQ and API keys only, and refuses a bad range with the field", async () => {
    const bad = await h().api<{ field: string }>("GET", "/v1/audience/analytics/sales?from=2026-13-01", {
      token: brand.readKey,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("/from");
    const res = await h().api<{
      stages: { stage: string; members: number }[];
      important: number;
      transitions: unknown[];
    }>("GET", "/v1/audience/analytics/lifecycle", { token: brand.readKey });
    // Stages cover every scored customer, the guest (a prospect who bought) too: the repeat buyer is active (first
    // purchase 35 days ago), `once` and the guest are new, the two who never bought are at the prospect stage.
    // Important takes the top two spend quintiles (breakpoints 30k 30k 30k 40k): only the guest's 40,000.
    expect(res.body.stages).toEqual([
      { stage: "prospect", members: 2 },
      { stage: "new", members: 2 },
      { stage: "active", members: 1 },
      { stage: "silent", members: 0 },
      { stage: "lost", members: 0 },
    ]);
    expect(res.body.important).toBe(1);
    expect(res.body.transitions).toEqual([]);
  });
});
