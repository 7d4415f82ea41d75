import { sql } from "kysely";
import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { openMemberSession } from "../access/service.ts";
import { fixedClock } from "../platform/clock.ts";
import type { Db } from "../platform/db/database.ts";
import { newId } from "../platform/ids.ts";
import {
  reevaluateAllTenants,
  reevaluateTiers,
  setUpDefaultTiers,
  tierContexts,
  upgradeIfQualified,
} from "./service.ts";
import { memberStatsInWindow } from "./stats.ts";

// Brand-local (Asia/Shanghai) new year's midnights, as UTC instants.
const NEW_YEAR = {
  2027: new Date("2026-12-31T16:00:00Z"),
  2028: new Date("2027-12-31T16:00:00Z"),
  2029: new Date("2028-12-31T16:00:00Z"),
};
const START = new Date("2026-05-06T04:00:00Z");
const days = (n: number) => n * 86_400_000;
const later = (from: Date, ms: number) => new Date(from.getTime() + ms);

describeEachDatabase("Tiers", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  const db = (): Db => h().enclave.platform.database.db;

  async function api<T = Record<string, unknown>>(
    method: "GET" | "POST" | "PATCH",
    url: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: T }> {
    const response = await h().enclave.http.inject({
      method,
      url,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as T };
  }

  async function brandWithLadder(): Promise<Brand> {
    clock.set(START);
    const brand = await h().newBrand();
    await db()
      .transaction()
      .execute((tx) => setUpDefaultTiers(tx, brand.tenantId, START));
    return brand;
  }

  let phoneCounter = 0;
  async function newMember(brand: Brand): Promise<string> {
    const res = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: `1390000${String(++phoneCounter).padStart(4, "0")}`, channel: "api" },
    });
    expect(res.status).toBe(201);
    return res.body.member_id;
  }

  /** Growth as the points capability posts it: a ledger entry in the member's growth currency. */
  async function giveGrowth(brand: Brand, memberId: string, amount: number, at: Date): Promise<void> {
    await db()
      .insertInto("ledger_entries")
      .values({
        tenant_id: brand.tenantId,
        entry_id: newId("journal"),
        member_id: memberId,
        currency: "growth",
        kind: amount > 0 ? "earn" : "reverse",
        amount,
        reason: "test order",
        source_type: "order",
        source_id: newId("order"),
        actor: "test",
        occurred_at: at,
      })
      .execute();
  }

  async function placeOrder(
    brand: Brand,
    memberId: string,
    order: { paid_minor: number; refunded_minor?: number; status?: string; at: Date },
  ): Promise<void> {
    await sql`
      INSERT INTO orders (tenant_id, order_id, channel, external_id, member_id, status, currency, items_minor,
                          paid_minor, refunded_minor, ordered_at, completes_at)
      VALUES (${brand.tenantId}, ${newId("order")}, 'pos', ${newId("order")}, ${memberId}, ${order.status ?? "paid"},
              'CNY', ${order.paid_minor}, ${order.paid_minor}, ${order.refunded_minor ?? 0}, ${order.at}, ${order.at})
    `.execute(db());
  }

  async function events(brand: Brand, memberId: string, type: string) {
    const rows = await db()
      .selectFrom("outbox")
      .select(["payload", "occurred_at"])
      .where("tenant_id", "=", brand.tenantId)
      .where("subject_id", "=", memberId)
      .where("type", "=", type)
      .orderBy("occurred_at")
      .orderBy("event_id")
      .execute();
    return rows.map((r) => r.payload);
  }

  const upgrade = (brand: Brand, memberIds: string[], now: Date) =>
    db()
      .transaction()
      .execute((tx) => upgradeIfQualified(tx, brand.tenantId, memberIds, now));
  const review = (brand: Brand, now: Date) =>
    db()
      .transaction()
      .execute((tx) => reevaluateTiers(tx, brand.tenantId, now));

  interface MemberTierBody {
    tier: { code: string } | null;
    source: string | null;
    benefits: { points_multiplier: number };
    free: { tier: { code: string }; review_at: string | null; grace_until: string | null };
    paid: { tier: { code: string }; status: string } | null;
    distance_to_next: Record<string, unknown> | null;
    to_keep: Record<string, unknown> | null;
  }

  // ——— the ladder ———

  it("sets up the seeds' ladder once and serves it, ranked, with its settings", async () => {
    const brand = await brandWithLadder();
    await db()
      .transaction()
      .execute((tx) => setUpDefaultTiers(tx, brand.tenantId, START));
    const tiers = await api<{
      items: { code: string; qualification: unknown; benefits: { points_multiplier: number } }[];
    }>("GET", "/v1/tiers", { token: brand.readKey });
    expect(tiers.status).toBe(200);
    expect(tiers.body.items.map((t) => t.code)).toEqual(["ORDINARY", "VIP", "BLACK_GOLD"]);
    expect(tiers.body.items[2]).toMatchObject({
      qualification: { reach: { growth: 5000 } },
      benefits: { points_multiplier: 2 },
    });
    const program = await api("GET", "/v1/tier-program", { token: brand.readKey });
    expect(program.body).toEqual({ window: "calendar_year", grace_days: 30, max_steps_down: 1 });
  });

  it("refuses a ladder whose thresholds do not rise with rank, naming the field", async () => {
    const brand = await brandWithLadder();
    const gold = { code: "GOLD", name: "Gold", rank: 15, kind: "free" };
    const lower = await api("POST", "/v1/tiers", {
      token: brand.ownerToken,
      body: { ...gold, qualification: { reach: { growth: 900 } } },
    });
    expect(lower.status).toBe(422);
    expect(lower.body).toMatchObject({ code: "business-rule", field: "/qualification/reach/growth" });
    expect(String(lower.body.detail)).toContain("must be above VIP's 1000");

    const unknown = await api("POST", "/v1/tiers", {
      token: brand.ownerToken,
      body: { ...gold, qualification: { reach: { growth: 2000, visits: 3 } } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ field: "/qualification/reach/visits" });

    const duplicate = await api("POST", "/v1/tiers", {
      token: brand.writeKey,
      body: { ...gold, code: "VIP" },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ field: "/code" });

    const readOnly = await api("POST", "/v1/tiers", { token: brand.readKey, body: gold });
    expect(readOnly.status).toBe(403);

    const tiers = await api<{ items: { code: string }[] }>("GET", "/v1/tiers", { token: brand.readKey });
    expect(tiers.body.items.map((t) => t.code)).toEqual(["ORDINARY", "VIP", "BLACK_GOLD"]);
  });

  it("merges benefits on update and blames the rank when only the rank breaks the ladder", async () => {
    const brand = await brandWithLadder();
    const tiers = await api<{ items: { tier_id: string; code: string }[] }>("GET", "/v1/tiers", {
      token: brand.readKey,
    });
    const vip = tiers.body.items.find((t) => t.code === "VIP");
    const patched = await api("PATCH", `/v1/tiers/${vip?.tier_id}`, {
      token: brand.ownerToken,
      body: { benefits: { upgrade_gift: { name: "Second item half price", coupon_template: "HALF_2ND" } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      benefits: {
        member_price: true,
        birthday_gift: { name: "Birthday treat" },
        upgrade_gift: { coupon_template: "HALF_2ND" },
      },
    });
    const above = await api("PATCH", `/v1/tiers/${vip?.tier_id}`, {
      token: brand.ownerToken,
      body: { rank: 30 },
    });
    expect(above.status).toBe(422);
    expect(above.body).toMatchObject({ field: "/rank" });
    expect((await api("PATCH", "/v1/tiers/tier_nope", { token: brand.ownerToken, body: {} })).status).toBe(
      404,
    );
  });

  // ——— qualification ———

  it("measures growth, spend and orders in a window, net of refunds and cancellations", async () => {
    const brand = await brandWithLadder();
    const member = await newMember(brand);
    const inYear = new Date("2026-03-01T00:00:00Z");
    await giveGrowth(brand, member, 700, inYear);
    await giveGrowth(brand, member, -100, later(inYear, days(3)));
    await giveGrowth(brand, member, 5000, new Date("2025-06-01T00:00:00Z"));
    await placeOrder(brand, member, { paid_minor: 60_000, at: inYear });
    await placeOrder(brand, member, { paid_minor: 50_000, refunded_minor: 20_000, at: inYear });
    await placeOrder(brand, member, {
      paid_minor: 9_000,
      refunded_minor: 9_000,
      status: "refunded",
      at: inYear,
    });
    await placeOrder(brand, member, { paid_minor: 70_000, status: "cancelled", at: inYear });
    const [year] = await memberStatsInWindow(db(), brand.tenantId, [
      { member_id: member, from: new Date("2025-12-31T16:00:00Z"), to: START },
    ]);
    expect(year).toEqual({ growth: 600, spend_minor: 90_000, orders: 2 });
  });

  it("upgrades at once after an order: one change, one event, the gifts of every tier passed", async () => {
    const brand = await brandWithLadder();
    const tiers = await api<{ items: { tier_id: string; code: string }[] }>("GET", "/v1/tiers", {
      token: brand.readKey,
    });
    const vip = tiers.body.items.find((t) => t.code === "VIP");
    await api("PATCH", `/v1/tiers/${vip?.tier_id}`, {
      token: brand.ownerToken,
      body: { benefits: { upgrade_gift: { name: "Second item half price", coupon_template: "HALF_2ND" } } },
    });
    const member = await newMember(brand);
    const bystander = await newMember(brand);
    await giveGrowth(brand, member, 5200, later(START, -days(1)));
    const changes = await upgrade(brand, [member, bystander], START);
    expect(changes).toEqual([
      {
        member_id: member,
        kind: "upgrade",
        from: "ORDINARY",
        to: "BLACK_GOLD",
        reason: "reached BLACK_GOLD: growth 5200 ≥ 5000",
        effective_tier: "BLACK_GOLD",
      },
    ]);
    expect(await upgrade(brand, [member], later(START, 1000))).toEqual([]);
    expect(await events(brand, member, "tier.changed")).toHaveLength(1);
    // Jumping past VIP still gives VIP's gift, and Black Gold's.
    const gifts = await events(brand, member, "tier.upgrade_gift_due");
    expect(gifts).toHaveLength(2);
    expect(gifts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          tier_code: "VIP",
          gift: { name: "Second item half price", coupon_template: "HALF_2ND" },
        }),
        expect.objectContaining({ tier_code: "BLACK_GOLD", gift: { name: "Black Gold welcome pack" } }),
      ]),
    );
    const contexts = await tierContexts(db(), brand.tenantId, [member, bystander], START);
    expect(contexts.get(member)).toEqual({ tier_code: "BLACK_GOLD", points_multiplier: 2 });
    expect(contexts.get(bystander)).toEqual({ tier_code: "ORDINARY", points_multiplier: 1 });
  });

  it("records one upgrade when two orders of one member upgrade at the same time", async () => {
    const brand = await brandWithLadder();
    const member = await newMember(brand);
    await giveGrowth(brand, member, 1200, later(START, -days(1)));
    // The first order's transaction upgrades and stays open while the second one decides: the second must
    // wait for the first and then see its result, not upgrade (and gift) a second time.
    let firstDone: () => void = () => undefined;
    const firstUpgraded = new Promise<void>((resolve) => (firstDone = resolve));
    let commitFirst: () => void = () => undefined;
    const firstMayCommit = new Promise<void>((resolve) => (commitFirst = resolve));
    const first = db()
      .transaction()
      .execute(async (tx) => {
        const changes = await upgradeIfQualified(tx, brand.tenantId, [member], START);
        firstDone();
        await firstMayCommit;
        return changes;
      });
    await Promise.race([firstUpgraded, first]);
    const second = upgrade(brand, [member], START);
    await new Promise((resolve) => setTimeout(resolve, 200));
    commitFirst();
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.length)).toEqual([1, 0]);
    expect(await events(brand, member, "tier.changed")).toHaveLength(1);
  });

  it("keeps a tier through the next year, then graces, then steps down one tier per review", async () => {
    const brand = await brandWithLadder();
    const member = await newMember(brand);
    await giveGrowth(brand, member, 5200, new Date("2026-03-01T00:00:00Z"));
    await upgrade(brand, [member], new Date("2026-03-02T00:00:00Z"));

    // Mid-2027: reached in 2026, kept through 2027 whatever happens.
    expect((await review(brand, new Date("2027-06-01T00:00:00Z"))).changes).toEqual([]);

    // 2027 brought VIP-level growth only: at the review Black Gold enters its grace.
    await giveGrowth(brand, member, 1200, new Date("2027-05-01T00:00:00Z"));
    const atReview = later(NEW_YEAR[2028], 3_600_000);
    expect((await review(brand, atReview)).changes).toEqual([]);
    const graceUntil = later(NEW_YEAR[2028], days(30)).toISOString();
    expect(await events(brand, member, "tier.grace_started")).toEqual([
      expect.objectContaining({ tier: "BLACK_GOLD", grace_until: graceUntil }),
    ]);
    clock.set(atReview);
    const inGrace = await api<MemberTierBody>("GET", `/v1/members/${member}/tier`, { token: brand.readKey });
    expect(inGrace.body).toMatchObject({
      tier: { code: "BLACK_GOLD" },
      free: { grace_until: graceUntil },
      to_keep: { tier: "BLACK_GOLD", by: graceUntil, metric: "growth", needed: 3800 },
    });

    // The grace passes without enough: down one tier, to VIP, which 2027's growth keeps.
    const afterGrace = await review(brand, later(NEW_YEAR[2028], days(31)));
    expect(afterGrace.changes).toMatchObject([
      { kind: "downgrade", from: "BLACK_GOLD", to: "VIP", effective_tier: "VIP" },
    ]);

    // A silent 2028, and a review that ran late, past the grace: down again, one tier, to the start.
    const late = await review(brand, later(NEW_YEAR[2029], days(40)));
    expect(late.changes).toMatchObject([{ kind: "downgrade", from: "VIP", to: "ORDINARY" }]);
    expect((await events(brand, member, "tier.changed")).map((e) => e.kind)).toEqual([
      "upgrade",
      "downgrade",
      "downgrade",
    ]);
  });

  it("reviews in bounded batches with a cursor", async () => {
    const brand = await brandWithLadder();
    const members = [await newMember(brand), await newMember(brand), await newMember(brand)].sort();
    const first = await db()
      .transaction()
      .execute((tx) => reevaluateTiers(tx, brand.tenantId, START, { limit: 2 }));
    expect(first).toMatchObject({ evaluated: 2, lastMemberId: members[1] });
    const second = await db()
      .transaction()
      .execute((tx) => reevaluateTiers(tx, brand.tenantId, START, { limit: 2, afterMemberId: members[1] }));
    expect(second).toMatchObject({ evaluated: 1, lastMemberId: null });
  });

  // ——— what the member sees ———

  it("tells a member how far the next tier is, in their own member center too", async () => {
    const brand = await brandWithLadder();
    const member = await newMember(brand);
    await giveGrowth(brand, member, 680, later(START, -days(10)));
    clock.set(START);
    const view = await api<MemberTierBody>("GET", `/v1/members/${member}/tier`, { token: brand.readKey });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      tier: { code: "ORDINARY" },
      source: "free",
      progress: { window: { kind: "calendar_year", ends_at: NEW_YEAR[2027].toISOString() }, growth: 680 },
      distance_to_next: {
        next_tier: "VIP",
        metric: "growth",
        needed: 320,
        window_ends_at: NEW_YEAR[2027].toISOString(),
      },
      to_keep: null,
    });
    const session = await openMemberSession(db(), brand.tenantId, member, START);
    const mine = await api<MemberTierBody>("GET", "/v1/me/tier", { token: session.token });
    expect(mine.body).toEqual(view.body);

    const other = await h().newBrand();
    expect((await api("GET", `/v1/members/${member}/tier`, { token: other.readKey })).status).toBe(404);
  });

  // ——— paid cards ———

  async function plusCard(brand: Brand) {
    const tier = await api<{ tier_id: string }>("POST", "/v1/tiers", {
      token: brand.writeKey,
      body: {
        code: "PLUS",
        name: "Plus",
        rank: 15,
        kind: "paid",
        benefits: {
          points_multiplier: 1.5,
          free_shipping: true,
          upgrade_gift: { name: "Plus welcome coupons" },
        },
      },
    });
    expect(tier.status).toBe(201);
    const plan = await api<{ plan_id: string }>("POST", "/v1/tier-plans", {
      token: brand.writeKey,
      body: {
        tier_id: tier.body.tier_id,
        code: "PLUS_SEASON",
        name: "Plus season card",
        price_minor: 9900,
        duration: "season",
        trial_days: 7,
      },
    });
    expect(plan.status).toBe(201);
    return plan.body.plan_id;
  }

  it("records a paid card idempotently, gives the trial once, and makes it the effective tier", async () => {
    const brand = await brandWithLadder();
    const planId = await plusCard(brand);
    const member = await newMember(brand);
    const url = `/v1/members/${member}/tier-subscriptions`;
    clock.set(START);

    const trial = await api<{ subscription_id: string; status: string; ends_at: string; replayed: boolean }>(
      "POST",
      url,
      {
        token: brand.writeKey,
        body: { external_id: "pay-1", plan_id: planId, trial: true },
      },
    );
    expect(trial.status).toBe(201);
    expect(trial.body).toMatchObject({
      status: "trial",
      ends_at: later(START, days(7)).toISOString(),
      replayed: false,
    });
    const again = await api<{ subscription_id: string; replayed: boolean }>("POST", url, {
      token: brand.writeKey,
      body: { external_id: "pay-1", plan_id: planId, trial: true },
    });
    expect(again.body).toMatchObject({ subscription_id: trial.body.subscription_id, replayed: true });
    const elsewhere = await api("POST", `/v1/members/${await newMember(brand)}/tier-subscriptions`, {
      token: brand.writeKey,
      body: { external_id: "pay-1", plan_id: planId },
    });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body).toMatchObject({ field: "/external_id" });
    const secondTrial = await api("POST", url, {
      token: brand.writeKey,
      body: { external_id: "pay-2", plan_id: planId, trial: true },
    });
    expect(secondTrial.status).toBe(422);
    expect(secondTrial.body).toMatchObject({ field: "/trial" });

    // No gift for a trial; converting it to paid gives it, once.
    expect(await events(brand, member, "tier.upgrade_gift_due")).toEqual([]);
    const renewed = await api<{ status: string; ends_at: string }>(
      "POST",
      `${url}/${trial.body.subscription_id}/renew`,
      {
        token: brand.writeKey,
        body: {},
      },
    );
    expect(renewed.body).toMatchObject({ status: "active", ends_at: "2026-08-13T04:00:00.000Z" });
    expect(await events(brand, member, "tier.upgrade_gift_due")).toHaveLength(1);

    const view = await api<MemberTierBody>("GET", `/v1/members/${member}/tier`, { token: brand.readKey });
    expect(view.body).toMatchObject({
      tier: { code: "PLUS" },
      source: "paid",
      benefits: { points_multiplier: 1.5 },
      free: { tier: { code: "ORDINARY" } },
      paid: { tier: { code: "PLUS" }, status: "active" },
    });
    expect((await tierContexts(db(), brand.tenantId, [member], START)).get(member)).toEqual({
      tier_code: "PLUS",
      points_multiplier: 1.5,
    });
    expect((await events(brand, member, "tier.changed")).map((e) => e.kind)).toEqual(["paid_started"]);
  });

  it("stacks a card bought early after the current term, and ends the paid tier when the last term lapses", async () => {
    const brand = await brandWithLadder();
    const planId = await plusCard(brand);
    const member = await newMember(brand);
    const url = `/v1/members/${member}/tier-subscriptions`;
    clock.set(START);
    const first = await api<{ ends_at: string }>("POST", url, {
      token: brand.writeKey,
      body: { external_id: "a", plan_id: planId },
    });
    const second = await api<{ starts_at: string; ends_at: string }>("POST", url, {
      token: brand.writeKey,
      body: { external_id: "b", plan_id: planId },
    });
    expect(second.body.starts_at).toBe(first.body.ends_at);

    // Between the terms nothing ends; after the second, the paid tier does, with one event.
    expect((await review(brand, later(new Date(first.body.ends_at), 1000))).changes).toEqual([]);
    const lapsed = await review(brand, later(new Date(second.body.ends_at), 1000));
    expect(lapsed.changes).toMatchObject([
      { kind: "paid_ended", from: "PLUS", to: null, effective_tier: "ORDINARY" },
    ]);
    clock.set(later(new Date(second.body.ends_at), 1000));
    const view = await api<MemberTierBody>("GET", `/v1/members/${member}/tier`, { token: brand.readKey });
    expect(view.body).toMatchObject({ tier: { code: "ORDINARY" }, paid: null });
  });

  it("ends a refunded card at once, keeps a better free tier effective, and cancels only once", async () => {
    const brand = await brandWithLadder();
    const planId = await plusCard(brand);
    const member = await newMember(brand);
    await giveGrowth(brand, member, 1200, later(START, -days(1)));
    await upgrade(brand, [member], START);
    // A second apart each, so the timeline's order is the order of events.
    clock.set(later(START, 1000));
    const card = await api<{ subscription_id: string }>("POST", `/v1/members/${member}/tier-subscriptions`, {
      token: brand.writeKey,
      body: { external_id: "refund-me", plan_id: planId },
    });
    const refundedAt = later(START, 2000);
    clock.set(refundedAt);
    const cancelUrl = `/v1/members/${member}/tier-subscriptions/${card.body.subscription_id}/cancel`;
    const cancelled = await api<{ status: string; ends_at: string }>("POST", cancelUrl, {
      token: brand.writeKey,
      body: { reason: "refunded" },
    });
    expect(cancelled.body).toMatchObject({ status: "cancelled", ends_at: refundedAt.toISOString() });
    expect((await api("POST", cancelUrl, { token: brand.writeKey, body: {} })).status).toBe(200);
    const changes = await events(brand, member, "tier.changed");
    expect(changes.map((e) => [e.kind, e.effective_tier])).toEqual([
      ["upgrade", "VIP"],
      ["paid_started", "PLUS"],
      ["paid_ended", "VIP"],
    ]);
    const renew = await api(
      "POST",
      `/v1/members/${member}/tier-subscriptions/${card.body.subscription_id}/renew`,
      {
        token: brand.writeKey,
        body: {},
      },
    );
    expect(renew.status).toBe(422);
  });

  it("counts members per tier within the caller's scope", async () => {
    const brand = await brandWithLadder();
    const planId = await plusCard(brand);
    const [gold, plain, subscriber] = [
      await newMember(brand),
      await newMember(brand),
      await newMember(brand),
    ];
    await giveGrowth(brand, gold, 6000, later(START, -days(1)));
    await upgrade(brand, [gold, plain], START);
    clock.set(START);
    await api("POST", `/v1/members/${subscriber}/tier-subscriptions`, {
      token: brand.writeKey,
      body: { external_id: "d-1", plan_id: planId },
    });
    const distribution = await api<{ members_total: number; items: { code: string; members: number }[] }>(
      "GET",
      "/v1/tiers/distribution",
      { token: brand.readKey },
    );
    expect(distribution.body.members_total).toBe(3);
    expect(Object.fromEntries(distribution.body.items.map((i) => [i.code, i.members]))).toEqual({
      ORDINARY: 2,
      VIP: 0,
      PLUS: 1,
      BLACK_GOLD: 1,
    });
  });
  it("sells only paid tiers as plans, and validates the ladder's settings", async () => {
    const brand = await brandWithLadder();
    const tiers = await api<{ items: { tier_id: string; code: string }[] }>("GET", "/v1/tiers", {
      token: brand.readKey,
    });
    const plan = { code: "VIP_YEAR", name: "VIP year", price_minor: 100, duration: "year" };
    const free = await api("POST", "/v1/tier-plans", {
      token: brand.writeKey,
      body: { ...plan, tier_id: tiers.body.items[1]?.tier_id },
    });
    expect(free.status).toBe(422);
    expect(free.body).toMatchObject({ field: "/tier_id" });
    const unknown = await api("POST", "/v1/tier-plans", {
      token: brand.writeKey,
      body: { ...plan, tier_id: "tier_x" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ field: "/tier_id" });

    const bad = await api("PATCH", "/v1/tier-program", {
      token: brand.writeKey,
      body: { max_steps_down: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: "/max_steps_down" });
    const good = await api("PATCH", "/v1/tier-program", { token: brand.writeKey, body: { grace_days: 10 } });
    expect(good.body).toEqual({ window: "calendar_year", grace_days: 10, max_steps_down: 1 });
  });

  it("never lets one brand reach another brand's tiers, plans or subscriptions", async () => {
    const theirs = await brandWithLadder();
    const planId = await plusCard(theirs);
    const member = await newMember(theirs);
    clock.set(START);
    const card = await api<{ subscription_id: string; tier_id: string }>(
      "POST",
      `/v1/members/${member}/tier-subscriptions`,
      { token: theirs.writeKey, body: { external_id: "theirs-1", plan_id: planId } },
    );
    const before = await api("GET", "/v1/tiers", { token: theirs.readKey });

    const ours = await brandWithLadder();
    const ids: Record<string, string> = {
      tier_id: card.body.tier_id,
      plan_id: planId,
      member_id: member,
      subscription_id: card.body.subscription_id,
    };
    const spec = await api<{ paths: Record<string, Record<string, unknown>> }>("GET", "/openapi.json");
    const probes = Object.entries(spec.body.paths)
      .filter(([path]) => path.includes("{"))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({
          method: method.toUpperCase() as "GET" | "POST" | "PATCH",
          url: path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? `unknown-${name}`),
        })),
      );
    expect(probes.length).toBeGreaterThanOrEqual(6);
    for (const token of [ours.ownerToken, ours.writeKey]) {
      for (const probe of probes) {
        const res = await api(probe.method, probe.url, {
          token,
          ...(probe.method === "GET" ? {} : { body: {} }),
        });
        expect([400, 401, 403, 404, 422], `${probe.method} ${probe.url} → ${res.status}`).toContain(
          res.status,
        );
      }
    }
    expect(await api("GET", "/v1/tiers", { token: theirs.readKey })).toEqual(before);
    const view = await api<MemberTierBody>("GET", `/v1/members/${member}/tier`, { token: theirs.readKey });
    expect(view.body).toMatchObject({ tier: { code: "PLUS" }, paid: { status: "active" } });
  });
  it("runs the nightly review over every brand, batch by batch", async () => {
    const brand = await brandWithLadder();
    const planId = await plusCard(brand);
    const [first, second] = [await newMember(brand), await newMember(brand)];
    await giveGrowth(brand, first, 1500, later(START, -days(1)));
    clock.set(START);
    const card = await api<{ ends_at: string }>("POST", `/v1/members/${second}/tier-subscriptions`, {
      token: brand.writeKey,
      body: { external_id: "nightly-1", plan_id: planId },
    });
    const night = later(new Date(card.body.ends_at), days(1));
    const run = await reevaluateAllTenants(db(), night, { batchSize: 1 });
    expect(run.evaluated).toBeGreaterThanOrEqual(2);
    expect((await events(brand, first, "tier.changed")).map((e) => e.to)).toEqual(["VIP"]);
    expect((await events(brand, second, "tier.changed")).map((e) => e.kind)).toEqual([
      "paid_started",
      "paid_ended",
    ]);
  });
});
