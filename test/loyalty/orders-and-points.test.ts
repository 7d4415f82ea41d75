import { expect, it } from "vitest";
import { completeDueOrders } from "../../src/orders/refunds.ts";
import { fixedClock } from "../../src/platform/clock.ts";
import { activateDueLots, expireDueLots } from "../../src/points/movements.ts";
import { describeEachDatabase } from "../support/databases.ts";
import { type Brand, type Harness, useEnclave } from "../support/harness.ts";
import { balanceOf, joinMember, ledgerProblems, orderBody as anyOrderBody } from "../support/loyalty.ts";

const DAY = 86_400_000;
const clock = fixedClock(new Date("2026-03-10T04:00:00Z"));
/** Orders default to "now" on the test's clock. */
const orderBody = (member: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  anyOrderBody(member, { ordered_at: clock.now().toISOString(), ...over });

async function runJobs(h: Harness) {
  const db = h.enclave.platform.database.db;
  await db.transaction().execute((tx) => completeDueOrders(tx, clock.now()));
  await db.transaction().execute((tx) => activateDueLots(tx, clock.now()));
  await db.transaction().execute((tx) => expireDueLots(tx, clock.now()));
}

describeEachDatabase("Orders earn points through the ledger", (db) => {
  const h = useEnclave(db, { clock });
  let brand: Brand;
  let phone = 13_900_001_000;
  const nextPhone = () => String(++phone);

  it("earns 1 point and 1 growth per yuan, pending until the return window passes", async () => {
    brand = await h().newBrand();
    const member = await joinMember(h(), brand, nextPhone());
    const res = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: orderBody({ member_id: member }, { paid_minor: 12_890, ordered_at: clock.now().toISOString() }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      created: true,
      points_earned: 128,
      growth_earned: 128,
      points_pending: true,
      status: "paid",
    });
    expect(await balanceOf(h(), brand, member)).toMatchObject({ available: 0, pending: 128, growth: 128 });

    clock.advance(7 * DAY + 1);
    await runJobs(h());
    expect(await balanceOf(h(), brand, member)).toMatchObject({ available: 128, pending: 0 });
    const order = await h().api("GET", `/v1/orders/${String(res.body.order_id)}`, { token: brand.readKey });
    expect(order.body).toMatchObject({ status: "completed", points_earned: 128 });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("never earns twice for the same order, however often it arrives", async () => {
    const member = await joinMember(h(), brand, nextPhone());
    const body = orderBody({ member_id: member }, { ordered_at: clock.now().toISOString() });
    const first = await h().api("POST", "/v1/orders", { token: brand.writeKey, body });
    const again = await Promise.all(
      [1, 2, 3].map(() => h().api("POST", "/v1/orders", { token: brand.writeKey, body })),
    );
    expect(first.status).toBe(201);
    for (const res of again) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ created: false, order_id: first.body.order_id, points_earned: 100 });
    }
    expect((await balanceOf(h(), brand, member)).pending).toBe(100);
  });

  it("refuses orders that do not add up, in another currency, for unknown members, or with bad amounts", async () => {
    const member = await joinMember(h(), brand, nextPhone());
    const cases: [Record<string, unknown>, number, string][] = [
      [
        orderBody(
          { member_id: member },
          { paid_minor: 5000, lines: [{ sku: "A", quantity: 2, unit_price_minor: 2000 }] },
        ),
        400,
        "/paid_minor",
      ],
      [orderBody({ member_id: member }, { currency: "USD" }), 400, "/currency"],
      [orderBody({ member_id: "mem_01jd7x4qz8f3s9v2k6m1n0p5r7" }), 400, "/member/member_id"],
      [
        orderBody(
          { member_id: member },
          { paid_minor: -100, lines: [{ sku: "A", quantity: 1, unit_price_minor: 100 }] },
        ),
        400,
        "/paid_minor",
      ],
      [
        orderBody(
          { member_id: member },
          { lines: [{ sku: "A", quantity: 1.5, unit_price_minor: 100 }], paid_minor: 150 },
        ),
        400,
        "/lines/0/quantity",
      ],
      [
        orderBody(
          { member_id: member },
          { lines: [{ sku: "A", quantity: 1, unit_price_minor: 100, discount_minor: 200 }], paid_minor: 0 },
        ),
        400,
        "/lines/0/discount_minor",
      ],
      [
        orderBody({ member_id: member }, { ordered_at: new Date(clock.now().getTime() + DAY).toISOString() }),
        400,
        "/ordered_at",
      ],
      [orderBody({ phone: "12345" }), 400, "/member/phone"],
    ];
    for (const [body, status, field] of cases) {
      const res = await h().api("POST", "/v1/orders", { token: brand.writeKey, body });
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.field).toBe(field);
    }
    expect(await balanceOf(h(), brand, member)).toMatchObject({ available: 0, pending: 0, growth: 0 });
  });

  it("rejects a whole batch when one order is bad, naming it, and writes nothing", async () => {
    const member = await joinMember(h(), brand, nextPhone());
    const good = orderBody({ member_id: member });
    const bad = orderBody(
      { member_id: member },
      { paid_minor: 1, lines: [{ sku: "A", quantity: 1, unit_price_minor: 2 }] },
    );
    const res = await h().api("POST", "/v1/orders/batch", {
      token: brand.writeKey,
      body: { orders: [good, bad, orderBody({ member_id: member })] },
    });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe("/orders/1/paid_minor");
    const list = await h().api<{ items: unknown[] }>("GET", `/v1/orders?member_id=${member}`, {
      token: brand.readKey,
    });
    expect(list.body.items).toHaveLength(0);
    const ok = await h().api<{ results: { created: boolean }[] }>("POST", "/v1/orders/batch", {
      token: brand.writeKey,
      body: { orders: [good, orderBody({ member_id: member })] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.results.map((r) => r.created)).toEqual([true, true]);
  });

  it("earns nothing for an order placed before the member joined, and says why", async () => {
    const member = await joinMember(h(), brand, nextPhone());
    const res = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: orderBody(
        { member_id: member },
        { ordered_at: new Date(clock.now().getTime() - 30 * DAY).toISOString() },
      ),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      points_earned: 0,
      earn_note: "placed before the member joined: earns nothing",
    });
  });

  it("turns an unknown phone into a prospect who earns, and holds it instead when the program says so", async () => {
    const unknown = nextPhone();
    const res = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: orderBody({ phone: unknown }, { ordered_at: clock.now().toISOString() }),
    });
    expect(res.status).toBe(201);
    const prospect = await h().api("GET", `/v1/members/lookup?phone=${unknown}`, { token: brand.readKey });
    expect(prospect.body).toMatchObject({ status: "prospect" });
    expect(res.body.member_id).toBe(prospect.body.member_id);
    // Joining later turns the prospect into the member, keeping what they earned.
    const joined = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: unknown, channel: "store_qr" },
    });
    expect(joined.body).toMatchObject({ member_id: prospect.body.member_id, status: "active" });

    const other = await h().newBrand();
    expect(
      (
        await h().api("PATCH", "/v1/points/program", {
          token: other.writeKey,
          body: { unmatched_orders: "hold" },
        })
      ).status,
    ).toBe(200);
    const walkIn = nextPhone();
    const held = await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody({ phone: walkIn }),
    });
    expect(held.body).toMatchObject({ status: "unmatched", member_id: null, points_earned: 0 });
    // When that customer opens a card, the held order is theirs and earns.
    clock.advance(60_000);
    const member = await joinMember(h(), other, walkIn);
    await h().enclave.platform.events.relayOnce();
    const claimed = await h().api("GET", `/v1/orders/${String(held.body.order_id)}`, {
      token: other.readKey,
    });
    expect(claimed.body).toMatchObject({ member_id: member, status: "paid", points_earned: 100 });
    expect((await balanceOf(h(), other, member)).pending).toBe(100);
  });

  it("takes back points in proportion to partial refunds, and all of them on a full refund", async () => {
    const member = await joinMember(h(), brand, nextPhone());
    const order = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: orderBody(
        { member_id: member },
        {
          ordered_at: clock.now().toISOString(),
          lines: [{ sku: "A", quantity: 3, unit_price_minor: 3333 }],
          paid_minor: 9999,
        },
      ),
    });
    expect(order.body.points_earned).toBe(99);
    const id = String(order.body.order_id);
    const r1 = await h().api("POST", `/v1/orders/${id}/refunds`, {
      token: brand.writeKey,
      body: { external_id: "r1", lines: [{ line_no: 1, quantity: 1 }] },
    });
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ amount_minor: 3333, points_reversed: 33 });
    const retry = await h().api("POST", `/v1/orders/${id}/refunds`, {
      token: brand.writeKey,
      body: { external_id: "r1", lines: [{ line_no: 1, quantity: 1 }] },
    });
    expect(retry.body).toMatchObject({ created: false, points_reversed: 33 });
    const tooMuch = await h().api("POST", `/v1/orders/${id}/refunds`, {
      token: brand.writeKey,
      body: { external_id: "r2", amount_minor: 7000 },
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.field).toBe("/amount_minor");
    const rest = await h().api("POST", `/v1/orders/${id}/refunds`, {
      token: brand.writeKey,
      body: { external_id: "r3", lines: [{ line_no: 1, quantity: 2 }] },
    });
    expect(rest.body).toMatchObject({ amount_minor: 6666, points_reversed: 66, order_status: "refunded" });
    expect(await balanceOf(h(), brand, member)).toMatchObject({ pending: 0, available: 0, growth: 0 });
    expect(
      (
        await h().api("POST", "/v1/orders/ord_01jd7x4qz8f3s9v2k6m1n0p5r7/refunds", {
          token: brand.writeKey,
          body: { external_id: "x", amount_minor: 1 },
        })
      ).status,
    ).toBe(404);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("leaves a member owing points they spent before a refund, paid back from their next points", async () => {
    const member = await joinMember(h(), brand, nextPhone());
    const order = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: orderBody({ member_id: member }, { ordered_at: clock.now().toISOString(), paid_minor: 20_000 }),
    });
    clock.advance(8 * DAY);
    await runJobs(h());
    const spend = await h().api("POST", `/v1/members/${member}/points/spend`, {
      token: brand.writeKey,
      body: { amount: 150, reason: "tea voucher", reference: "redeem-1" },
    });
    expect(spend.status).toBe(201);
    const refund = await h().api("POST", `/v1/orders/${String(order.body.order_id)}/refunds`, {
      token: brand.writeKey,
      body: { external_id: "full", amount_minor: 20_000 },
    });
    expect(refund.body).toMatchObject({ points_reversed: 200, points_shortfall: 150 });
    expect(await balanceOf(h(), brand, member)).toMatchObject({ available: 0, owed: 150 });
    const history = await h().api<{ items: { kind: string; detail: Record<string, unknown> }[] }>(
      "GET",
      `/v1/members/${member}/points/history?currency=points`,
      { token: brand.readKey },
    );
    expect(history.body.items.find((e) => e.kind === "reverse")?.detail).toMatchObject({ owed: 150 });
    // The next earnings pay the debt off first.
    await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: orderBody({ member_id: member }, { ordered_at: clock.now().toISOString(), paid_minor: 30_000 }),
    });
    clock.advance(8 * DAY);
    await runJobs(h());
    expect(await balanceOf(h(), brand, member)).toMatchObject({ available: 150, owed: 0 });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("writes spent points off under the clamp policy, and the ledger says so", async () => {
    const other = await h().newBrand();
    await h().api("PATCH", "/v1/points/program", {
      token: other.writeKey,
      body: { refund_policy: "clamp", return_window_days: 0 },
    });
    const member = await joinMember(h(), other, nextPhone());
    const order = await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody({ member_id: member }, { ordered_at: clock.now().toISOString(), paid_minor: 10_000 }),
    });
    expect(await balanceOf(h(), other, member)).toMatchObject({ available: 100 });
    await h().api("POST", `/v1/members/${member}/points/spend`, {
      token: other.writeKey,
      body: { amount: 80, reason: "gift", reference: "g" },
    });
    const refund = await h().api("POST", `/v1/orders/${String(order.body.order_id)}/refunds`, {
      token: other.writeKey,
      body: { external_id: "all", amount_minor: 10_000 },
    });
    expect(refund.body).toMatchObject({ points_reversed: 20, points_shortfall: 80 });
    expect(await balanceOf(h(), other, member)).toMatchObject({ available: 0, owed: 0 });
    expect(await ledgerProblems(h(), other)).toEqual([]);
  });

  it("spends first-expiring-first, and expiry takes only what is left", async () => {
    const other = await h().newBrand();
    await h().api("PATCH", "/v1/points/program", {
      token: other.writeKey,
      body: { return_window_days: 0, expiry: { kind: "rolling_days", days: 30 } },
    });
    const member = await joinMember(
      h(),
      other,
      nextPhone(),
      new Date(clock.now().getTime() - 60 * DAY).toISOString(),
    );
    const t0 = clock.now().getTime();
    await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody(
        { member_id: member },
        { ordered_at: new Date(t0 - 20 * DAY).toISOString(), paid_minor: 10_000 },
      ),
    });
    await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody(
        { member_id: member },
        { ordered_at: new Date(t0 - 5 * DAY).toISOString(), paid_minor: 5_000 },
      ),
    });
    const balance = await h().api<{ available: number; next_expiry: { points: number } }>(
      "GET",
      `/v1/members/${member}/points`,
      { token: other.readKey },
    );
    expect(balance.body).toMatchObject({ available: 150, next_expiry: { points: 100 } });
    await h().api("POST", `/v1/members/${member}/points/spend`, {
      token: other.writeKey,
      body: { amount: 70, reason: "x", reference: "fefo" },
    });
    clock.advance(11 * DAY);
    await runJobs(h());
    // The older lot had 30 left after the spend; that, and only that, expired.
    expect(await balanceOf(h(), other, member)).toMatchObject({ available: 50 });
    const liability = await h().api("GET", "/v1/points/liability", { token: other.readKey });
    expect(liability.body).toMatchObject({ issued: 150, redeemed: 70, expired: 30, outstanding: 50 });
    expect(await ledgerProblems(h(), other)).toEqual([]);
  });

  it("never overdraws: of many concurrent spends, exactly the affordable ones succeed", async () => {
    const other = await h().newBrand();
    await h().api("PATCH", "/v1/points/program", { token: other.writeKey, body: { return_window_days: 0 } });
    const member = await joinMember(h(), other, nextPhone());
    await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody({ member_id: member }, { ordered_at: clock.now().toISOString(), paid_minor: 10_000 }),
    });
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h().api("POST", `/v1/members/${member}/points/spend`, {
          token: other.writeKey,
          body: { amount: 30, reason: "race", reference: `race-${i}` },
        }),
      ),
    );
    const ok = attempts.filter((r) => r.status === 201).length;
    expect(ok).toBe(3);
    expect(attempts.filter((r) => r.status === 422)).toHaveLength(17);
    expect(await balanceOf(h(), other, member)).toMatchObject({ available: 10 });
    expect(await ledgerProblems(h(), other)).toEqual([]);
  });

  it("applies earn rules from the API: a member-day multiplier and a first-purchase bonus, each named in history", async () => {
    const other = await h().newBrand();
    const day = new Date(clock.now()).getUTCDate();
    const rule = await h().api("POST", "/v1/earn-rules", {
      token: other.ownerToken,
      body: {
        name: "Member day 2x",
        definition: { kind: "multiplier", factor: 2, when: { days_of_month: [day] } },
      },
    });
    expect(rule.status).toBe(201);
    await h().api("POST", "/v1/earn-rules", {
      token: other.ownerToken,
      body: { name: "Welcome", definition: { kind: "bonus", points: 50, first_purchase_only: true } },
    });
    const bad = await h().api("POST", "/v1/earn-rules", {
      token: other.ownerToken,
      body: { name: "x", definition: { kind: "multiplier", factor: 0.5 } },
    });
    expect(bad.status).toBe(400);
    const member = await joinMember(h(), other, nextPhone());
    const first = await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody({ member_id: member }, { ordered_at: clock.now().toISOString(), paid_minor: 10_000 }),
    });
    expect(first.body.points_earned).toBe(250);
    const second = await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody({ member_id: member }, { ordered_at: clock.now().toISOString(), paid_minor: 10_000 }),
    });
    expect(second.body.points_earned).toBe(200);
    const history = await h().api<{ items: { reason: string; rule_id: string | null; currency: string }[] }>(
      "GET",
      `/v1/members/${member}/points/history?currency=points`,
      { token: other.readKey },
    );
    expect(history.body.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining("Member day 2x"), expect.stringContaining("Welcome")]),
    );
    expect(history.body.items.every((e) => e.rule_id)).toBe(true);
  });

  it("adjusts points by hand with a reason, audited, and refuses to take more than there is", async () => {
    // A fresh brand: the clock has moved on past the first owner's 12-hour session.
    brand = await h().newBrand();
    const member = await joinMember(h(), brand, nextPhone());
    const add = await h().api("POST", `/v1/members/${member}/points/adjustments`, {
      token: brand.ownerToken,
      body: { amount: 500, reason: "service recovery" },
    });
    expect(add.status).toBe(201);
    expect(await balanceOf(h(), brand, member)).toMatchObject({ available: 500 });
    const take = await h().api("POST", `/v1/members/${member}/points/adjustments`, {
      token: brand.ownerToken,
      body: { amount: -600, reason: "correction" },
    });
    expect(take.status).toBe(422);
    // The adjustment's own entry (the audit log also records each staff request touching the member).
    const audit = await h()
      .enclave.platform.database.db.selectFrom("audit_log")
      .selectAll()
      .where("subject_id", "=", member)
      .where("action", "=", "points.adjust")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ amount: 500, reason: "service recovery" });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("merges two records of one person: identities, orders, points and growth move to the survivor", async () => {
    const other = await h().newBrand();
    await h().api("PATCH", "/v1/points/program", { token: other.writeKey, body: { return_window_days: 0 } });
    const survivor = await joinMember(h(), other, nextPhone());
    const posCard = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: other.writeKey,
      body: { identities: [{ kind: "pos_card", value: "C-77" }], channel: "pos" },
    });
    const absorbed = posCard.body.member_id;
    await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody({ member_id: survivor }, { ordered_at: clock.now().toISOString(), paid_minor: 10_000 }),
    });
    await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody(
        { identity: { kind: "pos_card", value: "C-77" } },
        { ordered_at: clock.now().toISOString(), paid_minor: 5_000 },
      ),
    });
    const merged = await h().api<{ member: { member_id: string }; orders_moved: number }>(
      "POST",
      `/v1/members/${survivor}/merge`,
      { token: other.writeKey, body: { member_id: absorbed } },
    );
    expect(merged.status).toBe(200);
    expect(merged.body.orders_moved).toBe(1);
    expect(await balanceOf(h(), other, survivor)).toMatchObject({ available: 150, growth: 150 });
    expect(await balanceOf(h(), other, absorbed)).toMatchObject({ available: 0, growth: 0 });
    const old = await h().api("GET", `/v1/members/${absorbed}`, { token: other.readKey });
    expect(old.body).toMatchObject({ status: "merged", merged_into: survivor });
    // Orders naming the old card now land on the survivor.
    const later = await h().api("POST", "/v1/orders", {
      token: other.writeKey,
      body: orderBody(
        { identity: { kind: "pos_card", value: "C-77" } },
        { ordered_at: clock.now().toISOString() },
      ),
    });
    expect(later.body.member_id).toBe(survivor);
    const orders = await h().api<{ items: unknown[] }>("GET", `/v1/orders?member_id=${survivor}`, {
      token: other.readKey,
    });
    expect(orders.body.items).toHaveLength(3);
    expect(
      (
        await h().api("POST", `/v1/members/${survivor}/merge`, {
          token: other.writeKey,
          body: { member_id: survivor },
        })
      ).status,
    ).toBe(422);
    expect(await ledgerProblems(h(), other)).toEqual([]);
  });

  it("gives a first-purchase bonus once when a member's first orders arrive in concurrent batches", async () => {
    const other = await h().newBrand();
    await h().api("POST", "/v1/earn-rules", {
      token: other.ownerToken,
      body: { name: "Welcome", definition: { kind: "bonus", points: 500, first_purchase_only: true } },
    });
    const member = await joinMember(h(), other, nextPhone());
    const bystanders = await Promise.all([1, 2, 3, 4].map(() => joinMember(h(), other, nextPhone())));
    const batches = [0, 1, 2, 3].map((b) => ({
      orders: [orderBody({ member_id: member }), ...bystanders.map((m) => orderBody({ member_id: m }))].map(
        (o, i) => ({ ...o, external_id: `race-${b}-${i}` }),
      ),
    }));
    const results = await Promise.all(
      batches.map((body) => h().api("POST", "/v1/orders/batch", { token: other.writeKey, body })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const balance = await balanceOf(h(), other, member);
    // Four orders of 100 points each, and the welcome bonus once.
    expect(balance.pending).toBe(4 * 100 + 500);
    expect(await ledgerProblems(h(), other)).toEqual([]);
  });
});
