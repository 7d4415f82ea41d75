import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import {
  grantPoints,
  ledgerProblems,
  newMember,
  pointsOf,
  templateBody,
  useCouponApi,
  yuan,
} from "./http.test-support.ts";

/** Every kind of coupon, with thresholds and groups that make them interact. */
const TEMPLATES: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    "P-148-20",
    { kind: "amount_off", amount_minor: yuan(20) },
    { conditions: { min_spend_minor: yuan(148) } },
  ],
  ["P-50-5", { kind: "amount_off", amount_minor: yuan(5) }, { conditions: { min_spend_minor: yuan(50) } }],
  ["P-15PCT", { kind: "percent_off", percent: 15, max_discount_minor: yuan(30) }, {}],
  ["P-HALF", { kind: "nth_item", nth: 2, percent: 50 }, {}],
  ["P-FREE-B", { kind: "free_item", skus: ["B"], quantity: 1 }, {}],
  ["P-SHIP", { kind: "free_shipping" }, {}],
  ["P-FAN-A", { kind: "fixed_price", skus: ["A"], price_minor: yuan(9) }, {}],
  [
    "P-EXCL-40",
    { kind: "amount_off", amount_minor: yuan(40) },
    { conditions: { min_spend_minor: yuan(100) }, stacking: { exclusive: true } },
  ],
  [
    "P-NOTIER",
    { kind: "amount_off", amount_minor: yuan(8) },
    { stacking: { group: "solo", with_member_discount: false } },
  ],
];

const cartArb = fc.record({
  lines: fc.array(
    fc.record({
      sku: fc.constantFrom("A", "B", "C"),
      quantity: fc.integer({ min: 1, max: 4 }),
      price: fc.integer({ min: 0, max: 12_000 }),
      member: fc.option(fc.integer({ min: 0, max: 12_000 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  shipping: fc.integer({ min: 0, max: 1500 }),
  coupons: fc.subarray(TEMPLATES.map(([code]) => code)),
  points: fc.integer({ min: 0, max: 20_000 }),
  pointsShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

describeEachDatabase("Commit agrees with quote (random carts and coupons)", (database) => {
  const h = useEnclave(database);
  const api = useCouponApi(h);
  let brand: Brand;
  let run = 0;

  beforeAll(async () => {
    brand = await h().newBrand();
    for (const [code, benefit, extra] of TEMPLATES) {
      const res = await api()("POST", "/v1/coupon-templates", {
        token: brand.ownerToken,
        body: templateBody(code, benefit, extra),
      });
      expect(res.status).toBe(201);
    }
  });

  it("commits the quote's best set at the quote's payable, never negative, and the ledger stays whole", async () => {
    await fc.assert(
      fc.asyncProperty(cartArb, async (input) => {
        const member = await newMember(h(), brand);
        if (input.points > 0) await grantPoints(h(), brand, member, input.points);
        for (const code of input.coupons) {
          const res = await api()("POST", `/v1/members/${member}/coupons`, {
            token: brand.writeKey,
            body: { template_code: code },
          });
          expect(res.status).toBe(201);
        }
        const cart = {
          currency: "CNY",
          channel: "mini_program",
          shipping_minor: input.shipping,
          lines: input.lines.map((l) => ({
            sku: l.sku,
            quantity: l.quantity,
            unit_price_minor: l.price,
            ...(l.member !== undefined ? { member_unit_price_minor: l.member } : {}),
          })),
        };
        const quote = await api()<{
          best: {
            coupon_ids: string[];
            total_due_minor: number;
            discount_minor: number;
            coupons: { coupon_id: string; discount_minor: number }[];
          };
          points_payment: { max_points: number; step_points: number; step_minor: number };
        }>("POST", "/v1/checkout/quote", { token: brand.writeKey, body: { member_id: member, cart } });
        expect(quote.status, JSON.stringify(quote.body)).toBe(200);
        const best = quote.body.best;
        expect(best.total_due_minor).toBeGreaterThanOrEqual(0);
        const pay = quote.body.points_payment;
        const steps = Math.floor((pay.max_points / pay.step_points) * input.pointsShare);
        const points = steps * pay.step_points;
        const expected = best.total_due_minor - steps * pay.step_minor;
        const commit = await api()<{
          payable_minor: number;
          discount_minor: number;
          coupons: { coupon_id: string; discount_minor: number }[];
        }>("POST", "/v1/checkout/commit", {
          token: brand.writeKey,
          body: {
            order_id: `prop-${++run}`,
            member_id: member,
            cart,
            coupons: best.coupon_ids,
            points,
            expected_payable_minor: expected,
          },
        });
        expect(commit.status, JSON.stringify(commit.body)).toBe(201);
        expect(commit.body.payable_minor).toBe(expected);
        expect(commit.body.payable_minor).toBeGreaterThanOrEqual(0);
        expect(commit.body.discount_minor).toBe(best.discount_minor);
        expect(commit.body.coupons).toEqual(best.coupons);
        expect(await pointsOf(h(), brand, member)).toBe(input.points - points);
      }),
      { numRuns: 12 },
    );
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });
});
