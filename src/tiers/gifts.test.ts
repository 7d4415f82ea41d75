import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { drainEvents, useRelay } from "../../test/support/relay.ts";
import { templateBody } from "../coupons/http.test-support.ts";
import { registerCouponSubscriptions } from "../coupons/subscriptions.ts";
import { fixedClock } from "../platform/clock.ts";
import type { Db } from "../platform/db/database.ts";
import { newId } from "../platform/ids.ts";
import { giveAllBirthdayGifts } from "./birthdays.ts";
import { registerTierSubscriptions } from "./gifts.ts";
import { setUpDefaultTiers, upgradeIfQualified } from "./service.ts";

// Members join well before the birthdays below; the brand keeps Shanghai time (UTC+8).
const START = new Date("2027-01-10T04:00:00Z");
/** 2027-03-15 00:00 in Shanghai. */
const MARCH_15 = new Date("2027-03-14T16:00:00Z");

describeEachDatabase("Tier gifts", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  const relay = useRelay(h, (platform) => {
    registerCouponSubscriptions(platform);
    registerTierSubscriptions(platform);
  });
  const db = (): Db => h().enclave.platform.database.db;

  /** A brand whose VIP tier gives a coupon and 88 points on birthdays, and 500 points on reaching it. */
  async function brandWithGifts(): Promise<Brand> {
    clock.set(START);
    const brand = await h().newBrand();
    await db()
      .transaction()
      .execute((tx) => setUpDefaultTiers(tx, brand.tenantId, START));
    const template = await h().api("POST", "/v1/coupon-templates", {
      token: brand.ownerToken,
      body: templateBody("BDAY", { kind: "amount_off", amount_minor: 2000 }),
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const tiers = await h().api<{ items: { tier_id: string; code: string }[] }>("GET", "/v1/tiers", {
      token: brand.readKey,
    });
    const vip = tiers.body.items.find((t) => t.code === "VIP");
    const patched = await h().api("PATCH", `/v1/tiers/${vip?.tier_id ?? ""}`, {
      token: brand.ownerToken,
      body: {
        benefits: {
          birthday_gift: { name: "Birthday treat", coupon_template: "BDAY", points: 88 },
          upgrade_gift: { name: "VIP welcome", points: 500 },
        },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    return brand;
  }

  let phoneCounter = 0;
  async function newMember(brand: Brand, birthday?: string): Promise<string> {
    const res = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: {
        phone: `1370${String(process.pid % 1000).padStart(3, "0")}${String(++phoneCounter).padStart(4, "0")}`,
        channel: "api",
        ...(birthday ? { birthday } : {}),
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.member_id;
  }

  /** Growth as the points capability posts it, then the upgrade an order would trigger. */
  async function makeVip(brand: Brand, memberId: string): Promise<void> {
    await db()
      .insertInto("ledger_entries")
      .values({
        tenant_id: brand.tenantId,
        entry_id: newId("journal"),
        member_id: memberId,
        currency: "growth",
        kind: "earn",
        amount: 1200,
        reason: "test order",
        source_type: "order",
        source_id: newId("order"),
        actor: "test",
        occurred_at: START,
      })
      .execute();
    const changes = await db()
      .transaction()
      .execute((tx) => upgradeIfQualified(tx, brand.tenantId, [memberId], START));
    expect(changes.map((c) => c.to)).toEqual(["VIP"]);
  }

  async function events(brand: Brand, memberId: string, type: string) {
    const rows = await db()
      .selectFrom("outbox")
      .select("payload")
      .where("tenant_id", "=", brand.tenantId)
      .where("subject_id", "=", memberId)
      .where("type", "=", type)
      .orderBy("occurred_at")
      .execute();
    return rows.map((r) => r.payload);
  }

  const birthdayRun = (at: Date) => giveAllBirthdayGifts(db(), at);

  /** Delivers every pending event, then every event of `type` once more (at-least-once delivery). */
  async function deliverTwice(brand: Brand, type: string): Promise<void> {
    await drainEvents(relay());
    await db()
      .updateTable("outbox")
      .set({ relayed_at: null })
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", type)
      .execute();
    await drainEvents(relay());
  }

  async function points(brand: Brand, memberId: string) {
    const balance = await h().api<{ available: number }>("GET", `/v1/members/${memberId}/points`, {
      token: brand.readKey,
    });
    const history = await h().api<{ items: { amount: number; reason: string; source_type: string }[] }>(
      "GET",
      `/v1/members/${memberId}/points/history?currency=points`,
      { token: brand.readKey },
    );
    return { available: balance.body.available, history: history.body.items };
  }

  async function wallet(brand: Brand, memberId: string): Promise<string[]> {
    const res = await h().api<{ items: { template_code: string }[] }>(
      "GET",
      `/v1/members/${memberId}/coupons?status=all`,
      { token: brand.readKey },
    );
    return res.body.items.map((c) => c.template_code);
  }

  it("grants an upgrade gift's points once, however often its event is delivered", async () => {
    const brand = await brandWithGifts();
    const member = await newMember(brand);
    await makeVip(brand, member);
    await deliverTwice(brand, "tier.upgrade_gift_due");
    const { available, history } = await points(brand, member);
    expect(available).toBe(500);
    expect(history).toEqual([
      expect.objectContaining({
        amount: 500,
        reason: "Upgrade gift (VIP): VIP welcome",
        source_type: "tier_upgrade_gift",
      }),
    ]);
  });

  it("gives the birthday gift once on the brand-local birthday, not the day before, however often the job runs", async () => {
    const brand = await brandWithGifts();
    const vip = await newMember(brand, "1990-03-15");
    const ordinary = await newMember(brand, "1991-03-15");
    const noBirthday = await newMember(brand);
    await makeVip(brand, vip);
    await makeVip(brand, noBirthday);
    await drainEvents(relay());

    // 23:59:59 on 14 March in Shanghai: not yet.
    await birthdayRun(new Date(MARCH_15.getTime() - 1_000));
    expect(await events(brand, vip, "tier.birthday_gift_due")).toEqual([]);

    // Midnight in Shanghai (16:00 UTC), then again, and twice at once as two processes would.
    await birthdayRun(MARCH_15);
    await birthdayRun(MARCH_15);
    await Promise.all([
      birthdayRun(new Date(MARCH_15.getTime() + 3_600_000)),
      birthdayRun(new Date(MARCH_15.getTime() + 3_600_000)),
    ]);
    const due = await events(brand, vip, "tier.birthday_gift_due");
    expect(due).toEqual([
      expect.objectContaining({
        tier_code: "VIP",
        year: 2027,
        birthday_on: "2027-03-15",
        gift: { name: "Birthday treat", coupon_template: "BDAY", points: 88 },
      }),
    ]);
    // Ordinary has no birthday gift; a member without a birthday has no birthday.
    expect(await events(brand, ordinary, "tier.birthday_gift_due")).toEqual([]);
    expect(await events(brand, noBirthday, "tier.birthday_gift_due")).toEqual([]);

    await deliverTwice(brand, "tier.birthday_gift_due");
    const { available, history } = await points(brand, vip);
    expect(available).toBe(500 + 88);
    expect(history.filter((e) => e.source_type === "tier_birthday_gift")).toEqual([
      expect.objectContaining({ amount: 88, reason: "Birthday gift (VIP): Birthday treat" }),
    ]);
    expect(await wallet(brand, vip)).toEqual(["BDAY"]);
    const issue = await db()
      .selectFrom("coupon_issues")
      .select("source")
      .where("tenant_id", "=", brand.tenantId)
      .where("source", "=", "tier_birthday")
      .execute();
    expect(issue).toHaveLength(1);

    // The next year, again once.
    await birthdayRun(new Date("2028-03-15T04:00:00Z"));
    await birthdayRun(new Date("2028-03-15T05:00:00Z"));
    expect((await events(brand, vip, "tier.birthday_gift_due")).map((p) => p.year)).toEqual([2027, 2028]);
  });

  it("keeps 29 February on 28 February in a common year, and on the day in a leap year", async () => {
    const brand = await brandWithGifts();
    const leapling = await newMember(brand, "2000-02-29");
    await makeVip(brand, leapling);

    await birthdayRun(new Date("2027-02-27T04:00:00Z"));
    expect(await events(brand, leapling, "tier.birthday_gift_due")).toEqual([]);
    await birthdayRun(new Date("2027-02-28T04:00:00Z"));
    await birthdayRun(new Date("2027-03-01T04:00:00Z"));
    expect(await events(brand, leapling, "tier.birthday_gift_due")).toEqual([
      expect.objectContaining({ year: 2027, birthday_on: "2027-02-28" }),
    ]);

    await birthdayRun(new Date("2028-02-28T04:00:00Z"));
    expect(await events(brand, leapling, "tier.birthday_gift_due")).toHaveLength(1);
    await birthdayRun(new Date("2028-02-29T04:00:00Z"));
    expect((await events(brand, leapling, "tier.birthday_gift_due")).at(-1)).toMatchObject({
      year: 2028,
      birthday_on: "2028-02-29",
    });
  });

  it("catches up a birthday the job missed for two days, never one of a member who joined after it", async () => {
    const brand = await brandWithGifts();
    const twoDaysAgo = await newMember(brand, "1990-03-13");
    const threeDaysAgo = await newMember(brand, "1990-03-12");
    const lateJoiner = await newMember(brand, "1990-03-14");
    for (const m of [twoDaysAgo, threeDaysAgo, lateJoiner]) await makeVip(brand, m);
    // Joined at 01:00 on 15 March, Shanghai: after their birthday ended.
    await db()
      .updateTable("members")
      .set({ joined_at: new Date(MARCH_15.getTime() + 3_600_000) })
      .where("tenant_id", "=", brand.tenantId)
      .where("member_id", "=", lateJoiner)
      .execute();

    await birthdayRun(new Date(MARCH_15.getTime() + 2 * 3_600_000));
    expect(await events(brand, twoDaysAgo, "tier.birthday_gift_due")).toEqual([
      expect.objectContaining({ birthday_on: "2027-03-13" }),
    ]);
    expect(await events(brand, threeDaysAgo, "tier.birthday_gift_due")).toEqual([]);
    expect(await events(brand, lateJoiner, "tier.birthday_gift_due")).toEqual([]);
  });
});
