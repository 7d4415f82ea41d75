import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, type Harness, useEnclave } from "../../../test/support/harness.ts";
import { fixedClock } from "../../platform/clock.ts";
import { expireDueLots } from "../../points/movements.ts";
import { joinedMember, purchase } from "../audience.test-support.ts";
import { recomputeAudience } from "../recompute.ts";

/**
 * The analytics a brand operator checks by hand: every number below is worked out from the data each scenario
 * creates, per the formulas in docs/analytics.md.
 */

// 2026-06-10 12:00 in Shanghai (the harness's brands keep their calendar there).
const NOW = new Date("2026-06-10T04:00:00.000Z");
const DAY = 86_400_000;

type Row = Record<string, unknown>;

async function store(h: Harness, brand: Brand, code: string): Promise<string> {
  const res = await h.api<{ org_unit_id: string }>("POST", "/v1/org-units", {
    token: brand.writeKey,
    body: { parent_id: brand.hqId, kind: "store", code, name: code },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.org_unit_id;
}

async function get<T = Row>(h: Harness, brand: Brand, url: string): Promise<T> {
  const res = await h.api<T>("GET", url, { token: brand.readKey });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function post(h: Harness, brand: Brand, url: string, body: unknown, status = 201): Promise<Row> {
  const res = await h.api<Row>("POST", url, { token: brand.writeKey, body });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

describeEachDatabase("Member analytics, worked by hand", (database) => {
  const clock = fixedClock(NOW);
  const h = useEnclave(database, { clock });

  /*
   * The sales brand, June 1–10 (Shanghai). Stores S1, S2, S3; the default ladder (VIP from 1,000 growth, Black
   * Gold from 5,000; 1 growth per yuan). Members, when they joined (days before NOW), how and where:
   *   A  8 d  store_qr @S1   pos @S1 60,000 (7 d) and 50,000 (6 d): 1,100 growth → VIP
   *   B  5 d  store_qr @S2   pos @S2 20,000 (4 d); 9,000 (3 d) cancelled
   *   C  3 d  mini_program   mini_program 15,000 (2 d); 10,000 (1.5 d) less a 4,000 refund;
   *                          8,000 (1 d) refunded in full
   *   D 40 d  api            pos @S1 30,000 (1 d); 7,000 (20 d, before the period)
   *   E 10 d  api            tmall 500,000 at 2026-06-01 00:00, the period's first instant: 5,000 growth → Black Gold
   *   F  1 d  web @S3        nothing
   *   and a guest without a card: pos @S2 40,000 (2 d), a prospect.
   * Joined in the period: A, B, C, F (D and E joined before June 1).
   */
  let sales: Brand;
  let storeIds = { s1: "", s2: "", s3: "" };

  beforeAll(async () => {
    clock.set(NOW);
    sales = await h().newBrand();
    const [s1, s2, s3] = [
      await store(h(), sales, "S1"),
      await store(h(), sales, "S2"),
      await store(h(), sales, "S3"),
    ];
    const at = (store_id: string) => ({ store_id });
    const a = await joinedMember(h(), sales, NOW, 8, { channel: "store_qr", store_id: s1 });
    const b = await joinedMember(h(), sales, NOW, 5, { channel: "store_qr", store_id: s2 });
    const c = await joinedMember(h(), sales, NOW, 3, { channel: "mini_program" });
    const d = await joinedMember(h(), sales, NOW, 40);
    const e = await joinedMember(h(), sales, NOW, 10);
    await joinedMember(h(), sales, NOW, 1, { channel: "web", store_id: s3 });
    await purchase(h(), sales, a, NOW, 7, 60_000, {}, at(s1));
    await purchase(h(), sales, a, NOW, 6, 50_000, {}, at(s1));
    await purchase(h(), sales, b, NOW, 4, 20_000, {}, at(s2));
    const cancelled = await purchase(h(), sales, b, NOW, 3, 9_000, {}, at(s2));
    await post(h(), sales, `/v1/orders/${cancelled}/cancel`, {}, 200);
    const mini = { channel: "mini_program" };
    await purchase(h(), sales, c, NOW, 2, 15_000, {}, mini);
    const partly = await purchase(h(), sales, c, NOW, 1.5, 10_000, {}, mini);
    await post(h(), sales, `/v1/orders/${partly}/refunds`, { external_id: "part", amount_minor: 4_000 });
    const returned = await purchase(h(), sales, c, NOW, 1, 8_000, {}, mini);
    await post(h(), sales, `/v1/orders/${returned}/refunds`, { external_id: "all", amount_minor: 8_000 });
    await purchase(h(), sales, d, NOW, 1, 30_000, {}, at(s1));
    await purchase(h(), sales, d, NOW, 20, 7_000, {}, at(s1));
    await purchase(h(), sales, e, NOW, 9.5, 500_000, {}, { channel: "tmall" });
    await post(h(), sales, "/v1/orders", {
      channel: "pos",
      external_id: "guest-1",
      store_id: s2,
      member: { phone: "13700000009" },
      currency: "CNY",
      ordered_at: new Date(NOW.getTime() - 2 * DAY).toISOString(),
      lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 40_000 }],
      paid_minor: 40_000,
    });
    await recomputeAudience(h().enclave.platform.database.db, sales.tenantId, NOW);
    storeIds = { s1, s2, s3 };
  });

  it("sums sales, member sales, buyers and repeat buyers over the period, and breaks them down by tier", async () => {
    const body = await get(h(), sales, "/v1/audience/analytics/sales?from=2026-06-01&to=2026-06-10");
    // In the period: A 60,000 + 50,000; B 20,000; C 15,000 + 6,000; D 30,000; E 500,000; the guest 40,000.
    expect(body).toMatchObject({
      orders: 8,
      sales_minor: 721_000,
      member_orders: 7,
      member_sales_minor: 681_000,
      member_contribution: 681_000 / 721_000,
      buyers: 5,
      repeat_buyers: 2, // A and C
      repurchase_rate: 2 / 5,
      average_order_value_minor: 681_000 / 7,
      purchase_frequency: 7 / 5,
    });
    // Tiers now: E Black Gold, A VIP, B C D Ordinary. The guest's sale is nobody's tier.
    expect(body.by_tier).toEqual([
      {
        tier_code: "BLACK_GOLD",
        buyers: 1,
        orders: 1,
        sales_minor: 500_000,
        average_order_value_minor: 500_000,
        purchase_frequency: 1,
      },
      {
        tier_code: "VIP",
        buyers: 1,
        orders: 2,
        sales_minor: 110_000,
        average_order_value_minor: 55_000,
        purchase_frequency: 2,
      },
      {
        tier_code: "ORDINARY",
        buyers: 3,
        orders: 4,
        sales_minor: 71_000,
        average_order_value_minor: 17_750,
        purchase_frequency: 4 / 3,
      },
    ]);
  });

  it("counts joins, orders, sales and member sales per channel and per store, joins alone too", async () => {
    const body = await get<{ by_channel: Row[]; by_store: Row[] }>(
      h(),
      sales,
      "/v1/audience/analytics/sales?from=2026-06-01&to=2026-06-10",
    );
    const row = (joins: number, orders: number, sales_minor: number, member_sales_minor: number) => ({
      joins,
      orders,
      sales_minor,
      member_sales_minor,
    });
    // D and E joined through the API before June 1: no "api" row.
    expect(body.by_channel).toEqual([
      { channel: "tmall", ...row(0, 1, 500_000, 500_000) },
      { channel: "pos", ...row(0, 5, 200_000, 160_000) },
      { channel: "mini_program", ...row(1, 2, 21_000, 21_000) },
      { channel: "store_qr", ...row(2, 0, 0, 0) },
      { channel: "web", ...row(1, 0, 0, 0) },
    ]);
    const { s1, s2, s3 } = storeIds;
    expect(body.by_store).toEqual([
      { store_id: null, ...row(1, 3, 521_000, 521_000) },
      { store_id: s1, ...row(1, 3, 140_000, 140_000) },
      { store_id: s2, ...row(1, 2, 60_000, 20_000) },
      { store_id: s3, ...row(1, 0, 0, 0) },
    ]);
  });

  it("gives the tier distribution and the RFM grid in one call", async () => {
    const overview = await get<{
      tiers: { members_total: number; items: { code: string; members: number }[] };
      rfm: {
        cells: { r: number; f: number; members: number; important: number; monetary_minor: number }[];
        groups: { group: string; members: number }[];
        unscored: number;
      };
    }>(h(), sales, "/v1/audience/analytics/overview");
    expect(overview.tiers).toEqual(await get(h(), sales, "/v1/tiers/distribution"));
    expect(overview.rfm).toEqual(await get(h(), sales, "/v1/audience/rfm-grid"));
    // Card holders per tier (the guest holds no card).
    expect(overview.tiers.members_total).toBe(6);
    expect(Object.fromEntries(overview.tiers.items.map((t) => [t.code, t.members]))).toEqual({
      ORDINARY: 4,
      VIP: 1,
      BLACK_GOLD: 1,
    });
    // Scored: A B C D E and the guest (F never bought). Breakpoints (the 2nd–5th of six sorted values): recency
    // days [1, 2, 4, 6] of 6 4 1 1 9 2; purchases [1, 1, 2, 2] of 2 1 2 2 1 1; spend [21k, 37k, 40k, 110k].
    // A r2 f3 m4 · B r3 f1 m1 · C r5 f3 m1 · D r5 f3 m2 · E r1 f1 m5 · guest r4 f1 m3; important: m ≥ 4.
    expect(overview.rfm.unscored).toBe(1);
    expect(
      Object.fromEntries(overview.rfm.groups.filter((g) => g.members > 0).map((g) => [g.group, g.members])),
    ).toEqual({ at_risk: 1, about_to_sleep: 1, potential_loyalists: 2, hibernating: 1, promising: 1 });
    expect(overview.rfm.cells.filter((c) => c.members > 0)).toEqual([
      expect.objectContaining({ r: 1, f: 1, members: 1, important: 1, monetary_minor: 500_000 }),
      expect.objectContaining({ r: 2, f: 3, members: 1, important: 1, monetary_minor: 110_000 }),
      expect.objectContaining({ r: 3, f: 1, members: 1, important: 0, monetary_minor: 20_000 }),
      expect.objectContaining({ r: 4, f: 1, members: 1, important: 0, monetary_minor: 40_000 }),
      expect.objectContaining({ r: 5, f: 3, members: 2, important: 0, monetary_minor: 58_000 }),
    ]);
  });

  it("reports points issued, redeemed, expired, reversed and adjusted per day, week and month", async () => {
    /*
     * Points available at once (no return window), expiring 10 days after earning (end of that local day).
     *   June  9  X buys 10,000: +100 (expires end of June 19)
     *   June 10  X buys 20,000: +200; Y buys 50,000: +500 (both expire end of June 20)
     *            X +40 by hand (expires end of June 20); Y −25 by hand; X spends 50 (from the June 9 lot)
     *            Y returns 10,000 of 50,000: 100 points reversed
     *   June 15  Z buys 8,000: +80 (expires end of June 25)
     *   June 21  expiry: X 50 + 200 + 40, Y 500 − 25 − 100 = 375: 665 in all
     */
    clock.set(NOW);
    const brand = await h().newBrand();
    const patched = await h().api("PATCH", "/v1/points/program", {
      token: brand.writeKey,
      body: { return_window_days: 0, expiry: { kind: "rolling_days", days: 10 } },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const [x, y, z] = [
      await joinedMember(h(), brand, NOW, 30),
      await joinedMember(h(), brand, NOW, 30),
      await joinedMember(h(), brand, NOW, 30),
    ];
    await purchase(h(), brand, x, NOW, 1, 10_000);
    await purchase(h(), brand, x, NOW, 0, 20_000);
    const returned = await purchase(h(), brand, y, NOW, 0, 50_000);
    await post(h(), brand, `/v1/members/${x}/points/adjustments`, { amount: 40, reason: "service recovery" });
    await post(h(), brand, `/v1/members/${y}/points/adjustments`, { amount: -25, reason: "correction" });
    await post(h(), brand, `/v1/members/${x}/points/spend`, { amount: 50, reason: "tea", reference: "r-1" });
    const refund = await post(h(), brand, `/v1/orders/${returned}/refunds`, {
      external_id: "back",
      amount_minor: 10_000,
    });
    expect(refund.points_reversed).toBe(100);
    clock.set(new Date(NOW.getTime() + 5 * DAY));
    await purchase(h(), brand, z, clock.now(), 0, 8_000);
    clock.set(new Date(NOW.getTime() + 11 * DAY));
    const db = h().enclave.platform.database.db;
    await db.transaction().execute((tx) => expireDueLots(tx, clock.now(), { tenantId: brand.tenantId }));

    const moves = { issued: 0, redeemed: 0, expired: 0, reversed: 0, adjusted: 0 };
    const daily = await get<{ series: Row[]; outstanding: number; breakage_rate: number }>(
      h(),
      brand,
      "/v1/audience/analytics/points?from=2026-06-10&to=2026-06-21",
    );
    // June 9's 100 is before the range.
    expect(daily.series).toEqual(
      Array.from({ length: 12 }, (_, i) => {
        const period = `2026-06-${String(10 + i).padStart(2, "0")}`;
        if (period === "2026-06-10")
          return { period, ...moves, issued: 700, redeemed: 50, reversed: 100, adjusted: 15 };
        if (period === "2026-06-15") return { period, ...moves, issued: 80 };
        if (period === "2026-06-21") return { period, ...moves, expired: 665 };
        return { period, ...moves };
      }),
    );
    // Z's 80 is all that is left; breakage = expired ÷ (issued + net adjustments when positive), all time.
    expect(daily.outstanding).toBe(80);
    expect(daily.breakage_rate).toBe(Math.round((665 / (880 + 15)) * 10_000) / 10_000);
    expect(daily.breakage_rate).toBe(0.743);
    const weekly = await get<{ series: Row[] }>(
      h(),
      brand,
      "/v1/audience/analytics/points?from=2026-06-09&to=2026-06-21&interval=week",
    );
    expect(weekly.series).toEqual([
      { period: "2026-06-08", issued: 800, redeemed: 50, expired: 0, reversed: 100, adjusted: 15 },
      { period: "2026-06-15", ...moves, issued: 80, expired: 665 },
    ]);
    const monthly = await get<{ series: Row[] }>(
      h(),
      brand,
      "/v1/audience/analytics/points?from=2026-05-01&to=2026-06-30&interval=month",
    );
    expect(monthly.series).toEqual([
      { period: "2026-05-01", ...moves },
      { period: "2026-06-01", issued: 880, redeemed: 50, expired: 665, reversed: 100, adjusted: 15 },
    ]);
  });

  it("counts stage transitions between two recomputes as the clock advances", async () => {
    /*
     * Stages with the default thresholds (new ≤ 30 days since the first purchase, silent ≥ 90 and lost ≥ 180 days
     * since the last). Purchases in days before NOW, all 10,000 unless said:
     *   P1 1 d, P2 2 d → new;  Q 40 d and 2 d (20,000 in all) → active;  R 80 d → active;  L 170 d → silent;
     *   S, W never → prospect.
     * 30 days later W buys (1 day before), and: P1, P2 new → active; R active → silent; L silent → lost;
     * W prospect → new; Q stays active, S a prospect.
     */
    clock.set(NOW);
    const brand = await h().newBrand();
    const db = h().enclave.platform.database.db;
    const bought = async (joined: number, ...daysAgo: number[]) => {
      const id = await joinedMember(h(), brand, NOW, joined);
      for (const d of daysAgo) await purchase(h(), brand, id, NOW, d, 10_000);
      return id;
    };
    await bought(10, 1);
    await bought(10, 2);
    await bought(60, 40, 2);
    await bought(100, 80);
    await bought(200, 170);
    await bought(5);
    const w = await bought(5);
    await recomputeAudience(db, brand.tenantId, NOW);
    type Lifecycle = {
      stages: { stage: string; members: number }[];
      important: number;
      transitions: { from: string; to: string; members: number }[];
    };
    const url = (from: string, to: string) => `/v1/audience/analytics/lifecycle?from=${from}&to=${to}`;
    const counts = (l: Lifecycle) => Object.fromEntries(l.stages.map((s) => [s.stage, s.members]));
    const first = await get<Lifecycle>(h(), brand, url("2026-06-01", "2026-06-10"));
    // A first classification is a baseline, not a move. Q alone spent in the top quintiles: important.
    expect(counts(first)).toEqual({ prospect: 2, new: 2, active: 2, silent: 1, lost: 0 });
    expect(first.important).toBe(1);
    expect(first.transitions).toEqual([]);

    const later = new Date(NOW.getTime() + 30 * DAY); // 2026-07-10 12:00
    clock.set(later);
    await purchase(h(), brand, w, later, 1, 10_000);
    await recomputeAudience(db, brand.tenantId, later);
    const second = await get<Lifecycle>(h(), brand, url("2026-06-10", "2026-07-10"));
    expect(counts(second)).toEqual({ prospect: 1, new: 1, active: 3, silent: 1, lost: 1 });
    expect(second.important).toBe(1);
    // Most members first, then by from and to.
    expect(second.transitions).toEqual([
      { from: "new", to: "active", members: 2 },
      { from: "active", to: "silent", members: 1 },
      { from: "prospect", to: "new", members: 1 },
      { from: "silent", to: "lost", members: 1 },
    ]);
    // The moves were recorded on July 10, so a range ending the day before has none.
    expect((await get<Lifecycle>(h(), brand, url("2026-06-10", "2026-07-09"))).transitions).toEqual([]);
  });

  it("summarises predicted value in percentiles and bins, and P(alive) in tenths", async () => {
    /*
     * Eleven purchasers predicted 0, 100, …, 1,000 (sum 5,500); one more whose value has no prediction (P(alive)
     * 0.55). Continuous percentiles at q × 10 between values: p10 100, p25 250, p50 500, p75 750, p90 900, p99 990.
     * Ten bins of 990 / 10 = 99 from 0, one value in each, and 1,000 above. P(alive): 0 for the first, 0.25 for the
     * next four, 0.95 for the next five, exactly 1 for the last (in the top tenth).
     */
    clock.set(NOW);
    const brand = await h().newBrand();
    const row = (i: number, predicted: number | null, pAlive: number) => ({
      tenant_id: brand.tenantId,
      member_id: `mem_ltv_${String(i).padStart(2, "0")}`,
      model_id: "ltvm_test",
      repeat_purchases: 1,
      p_alive: pAlive,
      expected_purchases_90d: 0,
      expected_purchases_365d: 0,
      expected_order_value_minor: null,
      predicted_value_365d_minor: predicted,
      computed_at: NOW,
    });
    await h()
      .enclave.platform.database.db.insertInto("audience_member_ltv")
      .values([
        ...Array.from({ length: 11 }, (_, i) =>
          row(i, 100 * i, i === 0 ? 0 : i < 5 ? 0.25 : i < 10 ? 0.95 : 1),
        ),
        row(11, null, 0.55),
      ])
      .execute();
    const ltv = await get(h(), brand, "/v1/audience/analytics/ltv");
    expect(ltv).toEqual({
      members: 11,
      total_predicted_value_365d_minor: 5_500,
      mean_predicted_value_365d_minor: 500,
      percentiles: [
        { q: 0.1, value_minor: 100 },
        { q: 0.25, value_minor: 250 },
        { q: 0.5, value_minor: 500 },
        { q: 0.75, value_minor: 750 },
        { q: 0.9, value_minor: 900 },
        { q: 0.99, value_minor: 990 },
      ],
      histogram: [
        ...Array.from({ length: 10 }, (_, i) => ({ from_minor: i * 99, to_minor: (i + 1) * 99, members: 1 })),
        { from_minor: 990, to_minor: null, members: 1 },
      ],
      p_alive: [
        { from: 0, to: 0.1, members: 1 },
        { from: 0.2, to: 0.3, members: 4 },
        { from: 0.5, to: 0.6, members: 1 },
        { from: 0.9, to: 1, members: 6 },
      ],
    });
  });
});
