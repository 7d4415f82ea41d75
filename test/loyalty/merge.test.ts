import { beforeAll, expect, it } from "vitest";
import { reevaluateDirtyMembers, reevaluateMember } from "../../src/audience/incremental.ts";
import { cartOf, templateBody, yuan } from "../../src/coupons/http.test-support.ts";
import { moveMemberCoupons } from "../../src/coupons/merge.ts";
import { fixedClock } from "../../src/platform/clock.ts";
import { describeEachDatabase } from "../support/databases.ts";
import { type Brand, useEnclave } from "../support/harness.ts";
import { joinMember, ledgerProblems } from "../support/loyalty.ts";

/**
 * An identity merge hands the absorbed record's coupons (with their checkouts and per-member counts) and the
 * tags someone gave it to the survivor, through the `member.merged` event (src/coupons/merge.ts,
 * src/audience/tags/merge.ts). Identities, orders and points: orders-and-points.test.ts.
 */

const DAY = 86_400_000;
const clock = fixedClock(new Date("2026-04-02T03:00:00Z"));

interface WalletCoupon {
  coupon_id: string;
  status: string;
  member_id: string;
}
interface MemberTag {
  name: string;
  source: string;
  source_ref: string | null;
  tagged_at: string;
  expires_at: string | null;
}

describeEachDatabase("Merging two records of one person", (db) => {
  const h = useEnclave(db, { clock });
  let brand: Brand;
  let phone = 13_700_002_000;
  let order = 0;
  const relay = async () => {
    while ((await h().enclave.platform.events.relayOnce()) > 0);
  };

  beforeAll(async () => {
    brand = await h().newBrand();
    for (const [code, benefit, extra] of [
      ["MRG-20", { kind: "amount_off", amount_minor: yuan(20) }, { per_member_limit: 1 }],
      ["MRG-10", { kind: "amount_off", amount_minor: yuan(10) }, {}],
    ] as const) {
      const res = await h().api("POST", "/v1/coupon-templates", {
        token: brand.ownerToken,
        body: templateBody(code, benefit, { conditions: { min_spend_minor: yuan(30) }, ...extra }),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });

  /** A card opened in the app, and a POS card of the same person. */
  async function twoRecords(): Promise<{ survivor: string; absorbed: string }> {
    const survivor = await joinMember(h(), brand, String(++phone));
    const pos = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { identities: [{ kind: "pos_card", value: `C-${++phone}` }], channel: "pos" },
    });
    expect(pos.status, JSON.stringify(pos.body)).toBe(201);
    return { survivor, absorbed: pos.body.member_id };
  }

  const merge = async (survivor: string, absorbed: string) => {
    const res = await h().api("POST", `/v1/members/${survivor}/merge`, {
      token: brand.writeKey,
      body: { member_id: absorbed },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };

  const give = async (member: string, code: string) => {
    const res = await h().api<{ coupons?: { coupon_id: string }[]; code?: string }>(
      "POST",
      `/v1/members/${member}/coupons`,
      { token: brand.writeKey, body: { template_code: code } },
    );
    return { status: res.status, code: res.body.code, coupon: res.body.coupons?.[0]?.coupon_id ?? "" };
  };

  const wallet = async (member: string) =>
    (
      await h().api<{ items: WalletCoupon[] }>("GET", `/v1/members/${member}/coupons?status=all`, {
        token: brand.readKey,
      })
    ).body.items;

  it("moves the coupons, their checkouts and the per-member counts; the survivor checks out with them", async () => {
    const { survivor, absorbed } = await twoRecords();
    const own = (await give(survivor, "MRG-20")).coupon;
    const moved = (await give(absorbed, "MRG-20")).coupon;
    const held = (await give(absorbed, "MRG-10")).coupon;
    // The POS card is paying for an order with a coupon held while it pays.
    const heldOrder = `shop-${process.pid}-${++order}`;
    const hold = await h().api("POST", "/v1/checkout/commit", {
      token: brand.writeKey,
      body: {
        order_id: heldOrder,
        member_id: absorbed,
        cart: cartOf([{ sku: "TEA", price: 50 }]),
        coupons: [held],
        expected_payable_minor: yuan(40),
        hold: true,
      },
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);

    await merge(survivor, absorbed);
    await relay();

    expect(await wallet(absorbed)).toEqual([]);
    const statuses = Object.fromEntries((await wallet(survivor)).map((c) => [c.coupon_id, c.status]));
    expect(statuses).toEqual({ [own]: "available", [moved]: "available", [held]: "reserved" });
    // The held checkout went with its coupon: cancelling it gives the coupon back to the survivor.
    const checkout = await h().api("GET", `/v1/checkouts/${heldOrder}`, { token: brand.readKey });
    expect(checkout.body).toMatchObject({ member_id: survivor, status: "held" });
    const cancelled = await h().api("POST", `/v1/checkouts/${heldOrder}/cancel`, {
      token: brand.writeKey,
      body: {},
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect((await wallet(survivor)).find((c) => c.coupon_id === held)?.status).toBe("available");

    // The absorbed record's coupon is the survivor's at checkout: quoted, and taken by a commit.
    const cart = cartOf([{ sku: "TEA", price: 150 }]);
    const quote = await h().api<{ coupons: { coupon_id: string; applicable: boolean }[] }>(
      "POST",
      "/v1/checkout/quote",
      { token: brand.writeKey, body: { member_id: survivor, cart } },
    );
    expect(quote.status, JSON.stringify(quote.body)).toBe(200);
    expect(quote.body.coupons.find((c) => c.coupon_id === moved)).toMatchObject({ applicable: true });
    const commit = await h().api("POST", "/v1/checkout/commit", {
      token: brand.writeKey,
      body: {
        order_id: `shop-${process.pid}-${++order}`,
        member_id: survivor,
        cart,
        coupons: [moved],
        expected_payable_minor: yuan(130),
      },
    });
    expect(commit.status, JSON.stringify(commit.body)).toBe(201);
    expect((await wallet(survivor)).find((c) => c.coupon_id === moved)?.status).toBe("redeemed");

    // Moving is not issuing: both MRG-20 coupons stay, and the person's count (2) is past the limit of 1.
    expect(await give(survivor, "MRG-20")).toMatchObject({ status: 422, code: "limit-reached" });

    const timeline = await h().api<{ items: { type: string; payload: Record<string, unknown> }[] }>(
      "GET",
      `/v1/members/${survivor}/timeline`,
      { token: brand.readKey },
    );
    const entry = timeline.body.items.find((e) => e.type === "coupon.moved");
    expect(entry?.payload).toMatchObject({ from_member_id: absorbed, order_ids: [heldOrder] });
    expect([...((entry?.payload.coupon_ids as string[] | undefined) ?? [])].sort()).toEqual(
      [moved, held].sort(),
    );
    // A second delivery of the event finds nothing left to move.
    const replay = await h()
      .enclave.platform.database.db.transaction()
      .execute((tx) => moveMemberCoupons(tx, brand.tenantId, absorbed, survivor, clock.now()));
    expect(replay).toEqual({ coupon_ids: [], order_ids: [], redemption_ids: [] });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("gives points the absorbed record paid with back to the survivor when that checkout is cancelled", async () => {
    const { survivor, absorbed } = await twoRecords();
    const adjusted = await h().api("POST", `/v1/members/${absorbed}/points/adjustments`, {
      token: brand.writeKey,
      body: { amount: 1_500, reason: "points on the POS card" },
    });
    expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(201);
    const paidOrder = `shop-${process.pid}-${++order}`;
    // 1,000 points pay 10 of the 50 yuan while the POS card pays the rest.
    const hold = await h().api("POST", "/v1/checkout/commit", {
      token: brand.writeKey,
      body: {
        order_id: paidOrder,
        member_id: absorbed,
        cart: cartOf([{ sku: "TEA", price: 50 }]),
        coupons: [],
        points: 1_000,
        expected_payable_minor: yuan(40),
        hold: true,
      },
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const available = async (member: string) =>
      (
        await h().api<{ available: number }>("GET", `/v1/members/${member}/points`, {
          token: brand.readKey,
        })
      ).body.available;

    await merge(survivor, absorbed);
    await relay();
    expect(await available(survivor)).toBe(500);
    const cancelled = await h().api("POST", `/v1/checkouts/${paidOrder}/cancel`, {
      token: brand.writeKey,
      body: {},
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(await available(survivor)).toBe(1_500);
    expect(await available(absorbed)).toBe(0);
    // Cancelling again gives nothing more.
    await h().api("POST", `/v1/checkouts/${paidOrder}/cancel`, { token: brand.writeKey, body: {} });
    expect(await available(survivor)).toBe(1_500);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("moves the tags someone gave, with their source and times, even when the record left the audience first", async () => {
    const group = await h().api<{ group_id: string }>("POST", "/v1/audience/tag-groups", {
      token: brand.writeKey,
      body: { name: "Merge", dimension: "custom" },
    });
    const tag = async (name: string) => {
      const res = await h().api<{ tag_id: string }>("POST", "/v1/audience/tags", {
        token: brand.writeKey,
        body: { group_id: group.body.group_id, name, kind: "manual" },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.tag_id;
    };
    const [vip, both] = [await tag("VIP"), await tag("Both")];
    const give = async (tagId: string, member: string, token: string, days: number) => {
      const res = await h().api("POST", `/v1/audience/tags/${tagId}/members`, {
        token,
        body: {
          member_ids: [member],
          expires_at: new Date(clock.now().getTime() + days * DAY).toISOString(),
        },
      });
      expect(res.body).toMatchObject({ tagged: 1 });
    };
    const tagsOf = async (member: string) =>
      (await h().api<{ items: MemberTag[] }>("GET", `/v1/members/${member}/tags`, { token: brand.readKey }))
        .body.items;

    const { survivor, absorbed } = await twoRecords();
    const taggedAt = clock.now().toISOString();
    await give(vip, absorbed, brand.ownerToken, 30);
    await give(both, absorbed, brand.writeKey, 10);
    clock.advance(3_600_000);
    await give(both, survivor, brand.ownerToken, 5);
    const before = await tagsOf(absorbed);
    // Both records are in the audience (they have facts) before the merge.
    await relay();
    await reevaluateDirtyMembers(h().enclave.platform.database.db, () => clock.now());

    await merge(survivor, absorbed);
    // The absorbed record is re-evaluated (it was marked) before the relay delivers member.merged: it leaves the
    // audience, but the tags given to it wait for the move.
    await reevaluateMember(
      h().enclave.platform.database.db,
      brand.tenantId,
      absorbed,
      ["member"],
      clock.now(),
    );
    expect((await tagsOf(absorbed)).map((t) => t.name)).toEqual(["Both", "VIP"]);
    await relay();
    await reevaluateDirtyMembers(h().enclave.platform.database.db, () => clock.now());

    expect(await tagsOf(absorbed)).toEqual([]);
    const after = await tagsOf(survivor);
    expect(after.find((t) => t.name === "VIP")).toEqual(before.find((t) => t.name === "VIP"));
    expect(after.find((t) => t.name === "VIP")).toMatchObject({ source: "manual", tagged_at: taggedAt });
    // Held by both: the survivor's source, the earlier time, the later expiry.
    expect(after.find((t) => t.name === "Both")).toMatchObject({
      source: "manual",
      tagged_at: taggedAt,
      expires_at: new Date(new Date(taggedAt).getTime() + 10 * DAY).toISOString(),
    });
  });
});
