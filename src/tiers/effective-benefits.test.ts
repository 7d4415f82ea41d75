import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import { effectiveTierBenefits, tierContexts } from "./service.ts";

describeEachDatabase("A member's effective tier benefits (for checkout)", (database) => {
  const h = useEnclave(database);

  it("gives the starting tier's benefits to a new member, and Black Gold's once they reach it", async () => {
    const brand = await h().newBrand();
    const join = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13700001111", channel: "api" },
    });
    const member = join.body.member_id;
    const db = h().enclave.platform.database.db;
    const before = (await effectiveTierBenefits(db, brand.tenantId, [member], new Date())).get(member);
    expect(before).toMatchObject({
      tier_code: "ORDINARY",
      benefits: { discount_percent: 0, member_price: false, free_shipping: false },
    });

    const order = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: "bg-1",
        member: { member_id: member },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "GIFT", quantity: 1, unit_price_minor: 500_000 }],
        paid_minor: 500_000,
      },
    });
    expect(order.status).toBe(201);
    const after = (await effectiveTierBenefits(db, brand.tenantId, [member], new Date())).get(member);
    expect(after).toMatchObject({
      tier_code: "BLACK_GOLD",
      benefits: { discount_percent: 10, free_shipping: true, points_multiplier: 2 },
    });
    // The earn-time view is the same tier, read through the same function.
    expect((await tierContexts(db, brand.tenantId, [member], new Date())).get(member)).toEqual({
      tier_code: "BLACK_GOLD",
      points_multiplier: 2,
    });
  });
});
