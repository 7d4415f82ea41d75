import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, type Harness, useEnclave } from "../../test/support/harness.ts";
import { joinMember, ledgerProblems, orderBody } from "../../test/support/loyalty.ts";
import { fixedClock } from "../platform/clock.ts";
import { expireDueLots, grantPoints } from "./movements.ts";
import type { HistoryEntry, PointsBalance } from "./queries.ts";

const DAY = 86_400_000;
/** 12:00 on Tuesday 10 March 2026 in Shanghai, the brands' time zone. */
const START = new Date("2026-03-10T04:00:00Z");
const clock = fixedClock(START);

describeEachDatabase("Points through the API", (database) => {
  const h = useEnclave(database, { clock });
  let phone = 13_700_002_000;
  const nextPhone = () => String(++phone);

  async function ok<T>(
    brand: Brand,
    method: "GET" | "POST" | "PATCH",
    url: string,
    body?: unknown,
    status = method === "POST" ? 201 : 200,
  ): Promise<T> {
    const res = await h().api<T>(method, url, {
      token: method === "GET" ? brand.readKey : brand.writeKey,
      ...(body !== undefined ? { body } : {}),
    });
    expect(res.status, `${method} ${url}: ${res.text}`).toBe(status);
    return res.body;
  }
  const balance = (brand: Brand, memberId: string) =>
    ok<PointsBalance>(brand, "GET", `/v1/members/${memberId}/points`);

  async function store(brand: Brand, code: string): Promise<string> {
    const res = await h().api<{ org_unit_id: string }>("POST", "/v1/org-units", {
      token: brand.ownerToken,
      body: { parent_id: brand.hqId, kind: "store", code, name: `Store ${code}` },
    });
    expect(res.status).toBe(201);
    return res.body.org_unit_id;
  }

  async function expireNow(hh: Harness, brand: Brand) {
    await hh.enclave.platform.database.db
      .transaction()
      .execute((tx) => expireDueLots(tx, clock.now(), { tenantId: brand.tenantId }));
  }

  it("earns 2× on channel pos and +50% at store X, on matching orders only, each rule named in the history", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const storeX = await store(brand, "X");
    const storeY = await store(brand, "Y");
    const posRule = await ok<{ rule_id: string }>(brand, "POST", "/v1/earn-rules", {
      name: "2× in channel pos",
      definition: { kind: "multiplier", factor: 2, when: { channels: ["pos"] } },
    });
    const storeRule = await ok<{ rule_id: string }>(brand, "POST", "/v1/earn-rules", {
      name: "+50% at store X",
      definition: { kind: "multiplier", factor: 1.5, when: { stores: [storeX] } },
    });
    const rules = await ok<{ items: { rule_id: string; name: string }[] }>(brand, "GET", "/v1/earn-rules");
    const baseRule = rules.items.find((r) => r.name === "1 point per yuan");
    expect(baseRule).toBeDefined();
    const member = await joinMember(h(), brand, nextPhone());

    // Every order pays ¥123.45: 123 base points and 123 growth. 2× adds ⌊123.45⌋ = 123; +50% adds ⌊61.725⌋ = 61.
    const orders = [
      { channel: "pos", store_id: storeX, points: 123 + 123 + 61 },
      { channel: "pos", store_id: storeY, points: 123 + 123 },
      { channel: "mini_program", store_id: storeX, points: 123 + 61 },
      { channel: "mini_program", store_id: storeY, points: 123 },
    ];
    const placed: { order_id: string; external_id: string }[] = [];
    for (const [i, o] of orders.entries()) {
      const res = await ok<{ order_id: string; external_id: string }>(
        brand,
        "POST",
        "/v1/orders",
        orderBody(
          { member_id: member },
          {
            channel: o.channel,
            store_id: o.store_id,
            paid_minor: 12_345,
            ordered_at: new Date(START.getTime() + (i + 1) * 60_000).toISOString(),
          },
        ),
      );
      expect(res, `${o.channel} at ${o.store_id}`).toMatchObject({
        created: true,
        points_earned: o.points,
        growth_earned: 123,
        points_pending: true,
      });
      placed.push(res);
    }
    expect(await balance(brand, member)).toMatchObject({
      available: 0,
      pending: 307 + 246 + 184 + 123,
      growth: 4 * 123,
    });

    const history = await ok<{ items: HistoryEntry[] }>(
      brand,
      "GET",
      `/v1/members/${member}/points/history?currency=points&limit=50`,
    );
    const ofOrder = (i: number) => {
      const o = placed[i];
      return history.items
        .filter((e) => e.source_id === o?.order_id)
        .map((e) => ({ kind: e.kind, amount: e.amount, rule_id: e.rule_id, reason: e.reason }))
        .sort((a, b) => b.amount - a.amount || a.reason.localeCompare(b.reason));
    };
    const label = (i: number) => `order ${orders[i]?.channel ?? ""}/${placed[i]?.external_id ?? ""}`;
    const base = { kind: "earn", amount: 123, rule_id: baseRule?.rule_id };
    expect(ofOrder(0)).toEqual([
      { ...base, reason: `${label(0)}: 1 point per yuan` },
      { kind: "earn", amount: 123, rule_id: posRule.rule_id, reason: `${label(0)}: 2× in channel pos` },
      { kind: "earn", amount: 61, rule_id: storeRule.rule_id, reason: `${label(0)}: +50% at store X` },
    ]);
    expect(ofOrder(1)).toEqual([
      { ...base, reason: `${label(1)}: 1 point per yuan` },
      { kind: "earn", amount: 123, rule_id: posRule.rule_id, reason: `${label(1)}: 2× in channel pos` },
    ]);
    expect(ofOrder(2)).toEqual([
      { ...base, reason: `${label(2)}: 1 point per yuan` },
      { kind: "earn", amount: 61, rule_id: storeRule.rule_id, reason: `${label(2)}: +50% at store X` },
    ]);
    expect(ofOrder(3)).toEqual([{ ...base, reason: `${label(3)}: 1 point per yuan` }]);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("lists the lots expiring within expiring_soon_days per date with what is left of them, and no others", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const member = await joinMember(h(), brand, nextPhone());
    // Each grant expires per the program's policy at the time: a fixed date, at the end of that Shanghai day.
    const grant = async (expiry: Record<string, unknown>, amount: number) => {
      await ok(brand, "PATCH", "/v1/points/program", { expiry });
      await ok(brand, "POST", `/v1/members/${member}/points/adjustments`, { amount, reason: "goodwill" });
    };
    await grant({ kind: "fixed_date", date: "2026-03-10" }, 10);
    await grant({ kind: "fixed_date", date: "2026-03-20" }, 100);
    await grant({ kind: "fixed_date", date: "2026-03-20" }, 50);
    await grant({ kind: "fixed_date", date: "2026-04-08" }, 200);
    await grant({ kind: "fixed_date", date: "2026-04-09" }, 300);
    await grant({ kind: "never" }, 40);
    const endOf = (day: string) => {
      const [y, m, d] = day.split("-").map(Number);
      // 23:59:59.999 in Shanghai (UTC+8) is 15:59:59.999 UTC the same day.
      return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d, 15, 59, 59, 999)).toISOString();
    };
    expect(endOf("2026-03-20")).toBe("2026-03-20T15:59:59.999Z");

    // Now is 12:00 on 10 March; 30 days on is 12:00 on 9 April. Lots ending on 8 April are in, 9 April's are not.
    expect(await balance(brand, member)).toEqual({
      member_id: member,
      available: 700,
      pending: 0,
      owed: 0,
      growth: 0,
      expiring_soon: [
        { expires_at: endOf("2026-03-10"), points: 10 },
        { expires_at: endOf("2026-03-20"), points: 150 },
        { expires_at: endOf("2026-04-08"), points: 200 },
      ],
      next_expiry: { expires_at: endOf("2026-03-10"), points: 10 },
    });

    // Spending takes first-expiring-first: today's 10, then 50 of 20 March's 150.
    await ok(brand, "POST", `/v1/members/${member}/points/spend`, {
      amount: 60,
      reason: "tea",
      reference: "spend-1",
    });
    expect(await balance(brand, member)).toMatchObject({
      available: 640,
      expiring_soon: [
        { expires_at: endOf("2026-03-20"), points: 100 },
        { expires_at: endOf("2026-04-08"), points: 200 },
      ],
      next_expiry: { expires_at: endOf("2026-03-20"), points: 100 },
    });

    // A day later the window reaches 12:00 on 10 April: 9 April's 300 are in.
    clock.advance(DAY);
    expect((await balance(brand, member)).expiring_soon).toEqual([
      { expires_at: endOf("2026-03-20"), points: 100 },
      { expires_at: endOf("2026-04-08"), points: 200 },
      { expires_at: endOf("2026-04-09"), points: 300 },
    ]);
    // The window is the program's: 10 days from 12:00 on 11 March ends at 12:00 on 21 March.
    await ok(brand, "PATCH", "/v1/points/program", { expiring_soon_days: 10 });
    expect((await balance(brand, member)).expiring_soon).toEqual([
      { expires_at: endOf("2026-03-20"), points: 100 },
    ]);

    // Once 20 March's lot has expired it is gone from the list, and 8 April's leads.
    clock.set(new Date("2026-03-21T04:00:00Z"));
    await expireNow(h(), brand);
    expect(await balance(brand, member)).toMatchObject({
      available: 540,
      expiring_soon: [],
      next_expiry: { expires_at: endOf("2026-04-08"), points: 200 },
    });
    await ok(brand, "PATCH", "/v1/points/program", { expiring_soon_days: 30 });
    expect((await balance(brand, member)).expiring_soon).toEqual([
      { expires_at: endOf("2026-04-08"), points: 200 },
      { expires_at: endOf("2026-04-09"), points: 300 },
    ]);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("lists every expiry date inside the window, however many there are", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const member = await joinMember(h(), brand, nextPhone());
    // A member who earned every day under a rolling policy: 1…29 points expiring on each of the next 29 days
    // (the ends of 10 March … 7 April in Shanghai), and 1,000 that expire later.
    const endOfDay = (days: number) => new Date(Date.UTC(2026, 2, 10 + days, 15, 59, 59, 999));
    await h()
      .enclave.platform.database.db.transaction()
      .execute(async (tx) => {
        for (const [i, days] of [...Array.from({ length: 29 }, (_, d) => d), 60].entries()) {
          await grantPoints(
            tx,
            brand.tenantId,
            {
              member_id: member,
              amount: days === 60 ? 1000 : days + 1,
              reason: "daily",
              source_type: "test",
              source_id: `day-${i}`,
              actor: "test",
              expires_at: endOfDay(days),
            },
            START,
          );
        }
      });
    const soon = await balance(brand, member);
    expect(soon.available).toBe((29 * 30) / 2 + 1000);
    expect(soon.expiring_soon).toEqual(
      Array.from({ length: 29 }, (_, d) => ({ expires_at: endOfDay(d).toISOString(), points: d + 1 })),
    );
    expect(soon.next_expiry).toEqual({ expires_at: "2026-03-10T15:59:59.999Z", points: 1 });
    // A one-day window (to 12:00 on 11 March) holds today's lot only.
    await ok(brand, "PATCH", "/v1/points/program", { expiring_soon_days: 1 });
    expect((await balance(brand, member)).expiring_soon).toEqual([
      { expires_at: "2026-03-10T15:59:59.999Z", points: 1 },
    ]);
  });

  it("reports breakage as expired ÷ (issued + net adjustments when positive)", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    await ok(brand, "PATCH", "/v1/points/program", {
      return_window_days: 0,
      expiry: { kind: "rolling_days", days: 30 },
    });
    expect(await ok(brand, "GET", "/v1/points/liability")).toMatchObject({ issued: 0, breakage_rate: 0 });
    const a = await joinMember(h(), brand, nextPhone());
    const b = await joinMember(h(), brand, nextPhone());
    const c = await joinMember(h(), brand, nextPhone());
    const order = (member: string, paid: number) =>
      ok<{ order_id: string; points_earned: number }>(
        brand,
        "POST",
        "/v1/orders",
        orderBody({ member_id: member }, { paid_minor: paid, ordered_at: clock.now().toISOString() }),
      );
    // Issued: A 300, B 200. Both lots expire at the end of 9 April.
    expect((await order(a, 30_000)).points_earned).toBe(300);
    const bOrder = await order(b, 20_000);
    expect(bOrder.points_earned).toBe(200);
    // Redeemed: A spends 120. Reversed: B's order is refunded by ¥50, taking back 50.
    await ok(brand, "POST", `/v1/members/${a}/points/spend`, {
      amount: 120,
      reason: "gift",
      reference: "r1",
    });
    expect(
      await ok(brand, "POST", `/v1/orders/${bOrder.order_id}/refunds`, {
        external_id: "refund-1",
        amount_minor: 5_000,
      }),
    ).toMatchObject({ points_reversed: 50 });
    // Adjusted: −20 from A now; +80 to C ten days later (expiring at the end of 19 April).
    await ok(brand, "POST", `/v1/members/${a}/points/adjustments`, { amount: -20, reason: "correction" });
    clock.advance(10 * DAY);
    await ok(brand, "POST", `/v1/members/${c}/points/adjustments`, { amount: 80, reason: "goodwill" });

    const before = await ok<Record<string, number>>(brand, "GET", "/v1/points/liability");
    expect(before).toMatchObject({ issued: 500, expired: 0, breakage_rate: 0, outstanding: 160 + 150 + 80 });

    // 10 April: what is left of A's and B's lots expires (300 − 120 − 20 = 160, and 200 − 50 = 150); C's does not.
    clock.set(new Date("2026-04-10T04:00:00Z"));
    await expireNow(h(), brand);
    const liability = await ok<Record<string, number>>(brand, "GET", "/v1/points/liability");
    expect(liability).toEqual({
      outstanding: 80,
      available: 80,
      pending: 0,
      owed: 0,
      issued: 500,
      redeemed: 120,
      expired: 310,
      reversed: 50,
      adjusted: 60,
      // 310 ÷ (500 + 60) = 0.553571…, to 4 decimals.
      breakage_rate: 0.5536,
      members_with_points: 1,
    });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });
});
