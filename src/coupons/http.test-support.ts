import { expect } from "vitest";
import type { Brand, Harness } from "../../test/support/harness.ts";
import { ledgerProblems, memberToken, pointsOf } from "../../test/support/loyalty.ts";
import { drainEvents, useRelay } from "../../test/support/relay.ts";
import type { EventRelay } from "../platform/events.ts";
import { registerCouponSubscriptions } from "./subscriptions.ts";

/** The coupon API for specs: the harness's own server (kept as a function so specs read `api()(…)`). */
export function useCouponApi(h: () => Harness): () => Harness["api"] {
  return () => (method, url, options) => h().api(method, url, options);
}

/** A relay of its own with only these subscriptions, driven by hand: `relay().relayOnce()`. */
export function useCouponRelay(h: () => Harness): () => EventRelay {
  return useRelay(h, registerCouponSubscriptions);
}

let phoneCounter = 0;
export async function newMember(h: Harness, brand: Brand): Promise<string> {
  const res = await h.api<{ member_id: string }>("POST", "/v1/members", {
    token: brand.writeKey,
    body: {
      phone: `1350${String(process.pid % 1000).padStart(3, "0")}${String(++phoneCounter).padStart(4, "0")}`,
      channel: "api",
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.member_id;
}

export async function grantPoints(h: Harness, brand: Brand, memberId: string, amount: number): Promise<void> {
  const res = await h.api("POST", `/v1/members/${memberId}/points/adjustments`, {
    token: brand.ownerToken,
    body: { amount, reason: "test grant" },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** A template body; amounts in yuan for readability. */
export function templateBody(
  code: string,
  benefit: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return { code, name: code, benefit, validity: { kind: "relative", days: 30 }, ...extra };
}

export const yuan = (n: number) => Math.round(n * 100);

export function cartOf(
  lines: { sku: string; price: number; quantity?: number; category?: string; member_price?: number }[],
  extra: Record<string, unknown> = {},
) {
  return {
    currency: "CNY",
    channel: "mini_program",
    lines: lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity ?? 1,
      unit_price_minor: yuan(l.price),
      ...(l.category ? { category: l.category } : {}),
      ...(l.member_price !== undefined ? { member_unit_price_minor: yuan(l.member_price) } : {}),
    })),
    ...extra,
  };
}

export { drainEvents, ledgerProblems, memberToken, pointsOf };
