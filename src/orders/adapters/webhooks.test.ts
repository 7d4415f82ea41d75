import { createHmac } from "node:crypto";
import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { balanceOf } from "../../../test/support/loyalty.ts";
import { fixedClock } from "../../platform/clock.ts";
import { fixture } from "./fixtures/index.ts";

const clock = fixedClock(new Date("2026-03-10T04:00:00Z"));
const SHOPIFY_SECRET = "9c3b0f6e1d2a4c8b7e5f3a1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b";
const WOO_SECRET = "wc-webhook-secret-Kq8@xZ!r2";
const sign = (raw: string, secret: string) => createHmac("sha256", secret).update(raw).digest("base64");

describeEachDatabase("Shopify and WooCommerce webhooks", (db) => {
  const h = useEnclave(db, { clock });
  let brand: Brand;

  async function deliver(
    platform: "shopify" | "woocommerce",
    topic: string,
    payload: unknown,
    options: { secret?: string; signature?: string | null; slug?: string } = {},
  ) {
    const raw = JSON.stringify(payload);
    const secret = options.secret ?? (platform === "shopify" ? SHOPIFY_SECRET : WOO_SECRET);
    const signature = options.signature === undefined ? sign(raw, secret) : options.signature;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (platform === "shopify") {
      headers["x-shopify-topic"] = topic;
      if (signature !== null) headers["x-shopify-hmac-sha256"] = signature;
    } else {
      headers["x-wc-webhook-topic"] = topic;
      if (signature !== null) headers["x-wc-webhook-signature"] = signature;
    }
    const response = await h().enclave.http.inject({
      method: "POST",
      url: `/v1/webhooks/${platform}/${options.slug ?? brand.slug}`,
      headers,
      payload: raw,
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  }

  const ordersOf = (channel: string) =>
    h()
      .enclave.platform.database.db.selectFrom("orders")
      .selectAll()
      .where("tenant_id", "=", brand.tenantId)
      .where("channel", "=", channel)
      .orderBy("ordered_at")
      .execute();

  it("lets the owner, and only the owner, set each platform's secret", async () => {
    brand = await h().newBrand();
    const put = (platform: string, token: string, body: unknown) =>
      h().enclave.http.inject({
        method: "PUT",
        url: `/v1/integrations/${platform}`,
        headers: { authorization: `Bearer ${token}` },
        payload: body as Record<string, unknown>,
      });
    const set = await put("shopify", brand.ownerToken, { secret: SHOPIFY_SECRET });
    expect(set.statusCode, set.body).toBe(200);
    expect(JSON.parse(set.body)).toMatchObject({ platform: "shopify", configured: true });
    expect(set.body).not.toContain(SHOPIFY_SECRET);
    expect((await put("woocommerce", brand.ownerToken, { secret: WOO_SECRET })).statusCode).toBe(200);
    expect((await put("shopify", brand.writeKey, { secret: "another-long-secret" })).statusCode).toBe(403);
    expect(JSON.parse((await put("shopify", brand.ownerToken, { secret: "short" })).body)).toMatchObject({
      status: 400,
      field: "/secret",
    });
    expect((await put("magento", brand.ownerToken, { secret: SHOPIFY_SECRET })).statusCode).toBe(400);
    const openapi = JSON.parse(
      (await h().enclave.http.inject({ method: "GET", url: "/openapi.json" })).body,
    ) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        "/v1/webhooks/shopify/{tenant_slug}",
        "/v1/webhooks/woocommerce/{tenant_slug}",
        "/v1/integrations/{platform}",
      ]),
    );
  });

  it("refuses a wrong, missing or foreign signature with 401 and writes nothing", async () => {
    const order = { ...fixture("shopify-order"), id: 9_000_001 };
    const cases = [
      await deliver("shopify", "orders/paid", order, { secret: "not-the-shop-secret" }),
      await deliver("shopify", "orders/paid", order, { signature: null }),
      await deliver("shopify", "orders/paid", order, { signature: "bm90IGEgc2lnbmF0dXJl" }),
      // Signed with the brand's WooCommerce secret: each platform has its own.
      await deliver("shopify", "orders/paid", order, { secret: WOO_SECRET }),
      await deliver("shopify", "orders/paid", order, { slug: "no-such-brand" }),
    ];
    for (const res of cases) expect(res).toMatchObject({ status: 401, body: { code: "unauthenticated" } });
    expect(await ordersOf("shopify")).toEqual([]);
  });

  it("ingests a paid Shopify order once, however often it is delivered: 128.90 paid for goods earns 128 points", async () => {
    const order = fixture("shopify-order");
    const first = await deliver("shopify", "orders/create", order);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ outcome: "processed", order: { created: true, points_earned: 128 } });
    const again = await Promise.all([
      deliver("shopify", "orders/create", order),
      deliver("shopify", "orders/paid", order),
    ]);
    for (const res of again)
      expect(res.body).toMatchObject({ outcome: "processed", order: { created: false, points_earned: 128 } });

    const orders = await ordersOf("shopify");
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      external_id: "5820471230519",
      paid_minor: 14090,
      shipping_minor: 1200,
      points_earned: 128,
      customer_phone: "+8613800138000",
    });
    const memberId = String((first.body.order as Record<string, unknown>).member_id);
    expect(await balanceOf(h(), brand, memberId)).toMatchObject({ pending: 128, growth: 128 });
  });

  it("takes points back in proportion when Shopify reports a refund, once", async () => {
    const [order] = await ordersOf("shopify");
    const memberId = String(order?.member_id);
    const refund = await deliver("shopify", "refunds/create", fixture("shopify-refund"));
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    // 59.77 of 128.90 refunded: floor(128 × 5977 / 12890) = 59 points.
    expect(refund.body).toMatchObject({
      outcome: "processed",
      refunds: [{ external_id: "1022889181239", created: true, amount_minor: 5977, points_reversed: 59 }],
    });
    const again = await deliver("shopify", "refunds/create", fixture("shopify-refund"));
    expect(again.body).toMatchObject({
      refunds: [{ created: false, amount_minor: 5977, points_reversed: 59 }],
    });
    // The order payload listing the same refund (orders/paid redelivered late) changes nothing either.
    await deliver("shopify", "orders/paid", {
      ...fixture("shopify-order"),
      financial_status: "partially_refunded",
      refunds: [fixture("shopify-refund")],
    });
    expect(await balanceOf(h(), brand, memberId)).toMatchObject({ pending: 69 });
    const [after] = await ordersOf("shopify");
    expect(after).toMatchObject({ refunded_minor: 5977 });
  });

  it("answers 202 to what it deliberately ignores, and 400 naming the field to what it cannot map", async () => {
    expect(await deliver("shopify", "products/update", { id: 1 })).toMatchObject({
      status: 202,
      body: { outcome: "ignored" },
    });
    expect(
      await deliver("shopify", "orders/create", {
        ...fixture("shopify-order"),
        id: 9_000_002,
        financial_status: "pending",
      }),
    ).toMatchObject({ status: 202, body: { reason: "the order is pending, not paid yet" } });
    expect(
      await deliver("shopify", "refunds/create", {
        ...fixture("shopify-refund"),
        id: 77,
        order_id: 9_000_003,
      }),
    ).toMatchObject({ status: 202, body: { outcome: "ignored" } });
    const bad = await deliver("shopify", "orders/create", {
      ...fixture("shopify-order"),
      id: 9_000_004,
      total_price: "150.00",
    });
    expect(bad).toMatchObject({ status: 400, body: { code: "validation-failed", field: "/total_price" } });
    expect((await ordersOf("shopify")).map((o) => o.external_id)).toEqual(["5820471230519"]);
  });

  it("credits a Shopify customer without a phone through their customer id, as one member across orders", async () => {
    const customer = { id: 7_100_000_001, phone: null };
    const base = { ...fixture("shopify-order"), customer, billing_address: null, shipping_address: null };
    const first = await deliver("shopify", "orders/paid", { ...base, id: 9_100_001 });
    const second = await deliver("shopify", "orders/paid", { ...base, id: 9_100_002 });
    const memberOf = (res: { body: Record<string, unknown> }) =>
      (res.body.order as Record<string, unknown> | null)?.member_id;
    expect(memberOf(first)).toEqual(expect.any(String));
    expect(memberOf(second)).toBe(memberOf(first));
    expect(second.body).toMatchObject({ order: { created: true, points_earned: 128 } });

    // A new customer's orders delivered at once still open one prospect between them.
    const newcomer = { ...base, customer: { id: 7_100_000_002, phone: null } };
    const together = await Promise.all(
      [9_100_003, 9_100_004, 9_100_005].map((id) => deliver("shopify", "orders/paid", { ...newcomer, id })),
    );
    expect(new Set(together.map(memberOf)).size).toBe(1);
    const prospects = await h()
      .enclave.platform.database.db.selectFrom("member_identities")
      .select("member_id")
      .where("tenant_id", "=", brand.tenantId)
      .where("value", "=", "7100000002")
      .execute();
    expect(prospects).toHaveLength(1);
    expect(
      await h()
        .enclave.platform.database.db.selectFrom("members")
        .select("member_id")
        .where("tenant_id", "=", brand.tenantId)
        .where("join_channel", "=", "shopify")
        .execute(),
    ).toHaveLength(3);
  });

  it("remembers a Shopify customer id first matched by phone, so a later order without a phone finds the member", async () => {
    const withPhone = {
      ...fixture("shopify-order"),
      id: 9_200_001,
      customer: { id: 7_200_000_001, phone: "+8613900002001" },
    };
    const first = await deliver("shopify", "orders/paid", withPhone);
    const memberId = (first.body.order as Record<string, unknown> | null)?.member_id;
    expect(memberId).toEqual(expect.any(String));
    const noPhone = {
      ...withPhone,
      id: 9_200_002,
      customer: { id: 7_200_000_001, phone: null },
      billing_address: null,
      shipping_address: null,
    };
    const second = await deliver("shopify", "orders/paid", noPhone);
    expect((second.body.order as Record<string, unknown> | null)?.member_id).toBe(memberId);
  });

  it("ingests a paid WooCommerce order, answers the URL check, and refunds fully when the order is refunded", async () => {
    const ping = await h().enclave.http.inject({
      method: "POST",
      url: `/v1/webhooks/woocommerce/${brand.slug}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "webhook_id=12",
    });
    expect(ping.statusCode).toBe(202);

    const order = fixture("woocommerce-order");
    const created = await deliver("woocommerce", "order.created", order);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ order: { created: true, points_earned: 128 } });
    const memberId = String((created.body.order as Record<string, unknown>).member_id);

    const partly = { ...order, refunds: [{ id: 4190, reason: "cup broken", total: "-58.90" }] };
    expect((await deliver("woocommerce", "order.updated", partly)).body).toMatchObject({
      refunds: [{ external_id: "4190", amount_minor: 5890, points_reversed: 58 }],
    });
    const refunded = { ...partly, status: "refunded" };
    const full = await deliver("woocommerce", "order.updated", refunded);
    expect(full.body).toMatchObject({
      refunds: [
        { external_id: "4190", created: false },
        { external_id: "status:refunded", created: true, amount_minor: 8000, points_reversed: 70 },
      ],
    });
    await deliver("woocommerce", "order.updated", refunded);
    expect(await balanceOf(h(), brand, memberId)).toMatchObject({ pending: 0, growth: 0 });
    expect(await ordersOf("woocommerce")).toMatchObject([{ status: "refunded", refunded_minor: 13890 }]);
  });
});
