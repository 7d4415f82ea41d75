import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import {
  grantPoints,
  ledgerProblems,
  memberToken,
  newMember,
  pointsOf,
  templateBody,
  useCouponApi,
  yuan,
} from "../http.test-support.ts";

interface Redemption {
  redemption_id: string;
  status: string;
  coupon_id: string | null;
  voucher_code: string | null;
  points_spent: number;
  replayed: boolean;
  tracking_no: string | null;
  carrier: string | null;
}

const address = {
  name: "Li Lei",
  phone: "13800001111",
  region: "上海市 浦东新区",
  address_line: "世纪大道 100 号",
};

describeEachDatabase("The points mall", (database) => {
  const h = useEnclave(database);
  const api = useCouponApi(h);
  let brand: Brand;

  async function reward(body: Record<string, unknown>) {
    const res = await api()<{ reward_id: string }>("POST", "/v1/mall/rewards", {
      token: brand.ownerToken,
      body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.reward_id;
  }

  const redeem = (token: string, body: Record<string, unknown>) =>
    api()<Redemption>("POST", "/v1/me/mall/redemptions", { token, body });

  it("exchanges points for a coupon (1 yuan = 100 points): the points go, the coupon arrives", async () => {
    brand = await h().newBrand();
    const t = await api()("POST", "/v1/coupon-templates", {
      token: brand.ownerToken,
      body: templateBody("MALL-10", { kind: "amount_off", amount_minor: yuan(10) }),
    });
    expect(t.status).toBe(201);
    await reward({
      code: "COUPON-10",
      name: "10 yuan off",
      kind: "coupon",
      coupon_template_code: "MALL-10",
      price_points: 1000,
    });
    const member = await newMember(h(), brand);
    await grantPoints(h(), brand, member, 1500);
    const token = await memberToken(h(), brand, member);

    const res = await redeem(token, { reward_code: "COUPON-10", reference: "r-1" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: "fulfilled", points_spent: 1000 });
    expect(res.body.coupon_id).toMatch(/^cpn_/);
    expect(await pointsOf(h(), brand, member)).toBe(500);
    const coupons = await api()<{ items: { coupon_id: string }[] }>("GET", "/v1/me/coupons", { token });
    expect(coupons.body.items.map((c) => c.coupon_id)).toEqual([res.body.coupon_id]);

    const again = await redeem(token, { reward_code: "COUPON-10", reference: "r-1" });
    expect(again.body).toMatchObject({ replayed: true, redemption_id: res.body.redemption_id });
    expect(await pointsOf(h(), brand, member)).toBe(500);
    const poorer = await redeem(token, { reward_code: "COUPON-10", reference: "r-2" });
    expect(poorer.body).toMatchObject({ status: 422, code: "insufficient-points" });
  });

  it("ships physical goods to the member's address, and a cancellation gives back points and stock", async () => {
    const rewardId = await reward({
      code: "PECANS",
      name: "Pecan gift box",
      kind: "physical",
      price_points: 800,
      stock: 1,
      per_member_limit: 1,
    });
    const member = await newMember(h(), brand);
    await grantPoints(h(), brand, member, 2000);
    const token = await memberToken(h(), brand, member);

    const noAddress = await redeem(token, { reward_code: "PECANS", reference: "p-0" });
    expect(noAddress.body).toMatchObject({ status: 400, field: "/shipping_address" });
    const res = await redeem(token, { reward_code: "PECANS", reference: "p-1", shipping_address: address });
    expect(res.body).toMatchObject({ status: "pending_fulfilment", points_spent: 800 });
    expect(
      (await redeem(token, { reward_code: "PECANS", reference: "p-2", shipping_address: address })).body,
    ).toMatchObject({ status: 409, code: "insufficient-stock" });

    const named = await api()<{ card_no: string }>("PATCH", `/v1/members/${member}`, {
      token: brand.ownerToken,
      body: { name: "Li Lei" },
    });
    expect(named.status, JSON.stringify(named.body)).toBe(200);
    const pending = await api()<{
      items: (Redemption & { member_name: string | null; member_card_no: string | null })[];
    }>("GET", "/v1/mall/redemptions?status=pending_fulfilment", { token: brand.ownerToken });
    expect(pending.body.items.map((r) => r.redemption_id)).toEqual([res.body.redemption_id]);
    // Each row names its member, so a fulfilment screen makes no look-up per row.
    expect(pending.body.items[0]).toMatchObject({
      member_name: "Li Lei",
      member_card_no: named.body.card_no,
    });

    const move = (body: Record<string, unknown>) =>
      api()<Redemption>("PATCH", `/v1/mall/redemptions/${res.body.redemption_id}`, {
        token: brand.ownerToken,
        body,
      });
    expect((await move({ status: "delivered" })).body).toMatchObject({ status: 409, field: "/status" });
    expect((await move({ status: "cancelled", reason: "out of pecans" })).body).toMatchObject({
      status: "cancelled",
    });
    expect(await pointsOf(h(), brand, member)).toBe(2000);
    const catalog = await api()<{ items: { reward_id: string; stock_left: number }[] }>(
      "GET",
      "/v1/mall/rewards",
      { token: brand.readKey },
    );
    expect(catalog.body.items.find((r) => r.reward_id === rewardId)?.stock_left).toBe(1);

    const second = await redeem(token, {
      reward_code: "PECANS",
      reference: "p-3",
      shipping_address: address,
    });
    expect(second.body.status).toBe("pending_fulfilment");
    const shipped = await api()<Redemption>("PATCH", `/v1/mall/redemptions/${second.body.redemption_id}`, {
      token: brand.ownerToken,
      body: { status: "shipped", tracking_no: "SF123", carrier: "SF Express" },
    });
    expect(shipped.body).toMatchObject({ status: "shipped", tracking_no: "SF123", carrier: "SF Express" });
    const mine = await api()<{ items: Redemption[] }>("GET", "/v1/me/mall/redemptions", { token });
    expect(mine.body.items[0]).toMatchObject({
      status: "shipped",
      tracking_no: "SF123",
      carrier: "SF Express",
    });
    // The per-member limit counts the live redemption, not the cancelled one.
    await api()("PATCH", `/v1/mall/rewards/${rewardId}`, { token: brand.ownerToken, body: { add_stock: 5 } });
    expect(
      (await redeem(token, { reward_code: "PECANS", reference: "p-4", shipping_address: address })).body,
    ).toMatchObject({ status: 422, code: "limit-reached" });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("keeps tier-only rewards for their tiers, and points + cash rewards for the brand's checkout", async () => {
    await reward({
      code: "BG-ONLY",
      name: "Black Gold tea set",
      kind: "voucher",
      price_points: 100,
      tiers: ["BLACK_GOLD"],
    });
    await reward({
      code: "HALF-CASH",
      name: "Mug, 500 points + 9.90",
      kind: "voucher",
      price_points: 500,
      price_cash_minor: 990,
    });
    const member = await newMember(h(), brand);
    await grantPoints(h(), brand, member, 1000);
    const token = await memberToken(h(), brand, member);

    const seen = await api()<{ items: { code: string; redeemable: boolean; reason: string | null }[] }>(
      "GET",
      "/v1/me/mall/rewards",
      { token },
    );
    expect(seen.body.items.map((r) => r.code)).not.toContain("BG-ONLY");
    expect(seen.body.items.find((r) => r.code === "HALF-CASH")).toMatchObject({
      redeemable: false,
      reason: "cash_through_brand",
    });
    expect((await redeem(token, { reward_code: "BG-ONLY", reference: "t-1" })).body).toMatchObject({
      status: 422,
      reason: "tier",
    });
    expect((await redeem(token, { reward_code: "HALF-CASH", reference: "t-2" })).body).toMatchObject({
      reason: "cash_through_brand",
    });

    const byBrand = (body: Record<string, unknown>) =>
      api()<Redemption>("POST", `/v1/members/${member}/mall/redemptions`, { token: brand.writeKey, body });
    expect((await byBrand({ reward_code: "HALF-CASH", reference: "t-3" })).body).toMatchObject({
      status: 400,
      field: "/cash_payment_reference",
    });
    const paid = await byBrand({
      reward_code: "HALF-CASH",
      reference: "t-3",
      cash_payment_reference: "wxpay-778",
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body).toMatchObject({ status: "fulfilled", cash_minor: 990, points_spent: 500 });
    expect(paid.body.voucher_code).toMatch(/^[0-9A-Z]{12}$/);
  });
});
