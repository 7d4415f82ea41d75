import { expect } from "vitest";
import type { Brand, Harness } from "../../test/support/harness.ts";
import { ledgerProblems, memberToken, pointsOf } from "../../test/support/loyalty.ts";
import { drainEvents, useRelay } from "../../test/support/relay.ts";
import type { EventRelay } from "../platform/events.ts";
import { registerEngagementSubscriptions } from "./subscriptions.ts";

/** Helpers for engagement specs: members, their sessions, balances and timelines, through the API. */

let phoneCounter = 0;
export async function newMember(
  h: Harness,
  brand: Brand,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await h.api<{ member_id: string }>("POST", "/v1/members", {
    token: brand.writeKey,
    body: {
      phone: `1370${String(process.pid % 1000).padStart(3, "0")}${String(++phoneCounter).padStart(4, "0")}`,
      channel: "api",
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.member_id;
}

export async function grant(h: Harness, brand: Brand, memberId: string, amount: number): Promise<void> {
  const res = await h.api("POST", `/v1/members/${memberId}/points/adjustments`, {
    token: brand.writeKey,
    body: { amount, reason: "test grant" },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

export async function timelineTypes(h: Harness, brand: Brand, memberId: string): Promise<string[]> {
  const res = await h.api<{ items: { type: string }[] }>(
    "GET",
    `/v1/members/${memberId}/timeline?limit=200`,
    {
      token: brand.readKey,
    },
  );
  expect(res.status).toBe(200);
  return res.body.items.map((i) => i.type);
}

export async function timeline(
  h: Harness,
  brand: Brand,
  memberId: string,
): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  const res = await h.api<{ items: { type: string; payload: Record<string, unknown> }[] }>(
    "GET",
    `/v1/members/${memberId}/timeline?limit=200`,
    { token: brand.readKey },
  );
  return res.body.items;
}

export async function couponTemplate(
  h: Harness,
  brand: Brand,
  code: string,
  extra: Record<string, unknown> = {},
) {
  const res = await h.api("POST", "/v1/coupon-templates", {
    token: brand.ownerToken,
    body: {
      code,
      name: code,
      benefit: { kind: "amount_off", amount_minor: 500 },
      validity: { kind: "relative", days: 30 },
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

export async function couponCodes(h: Harness, brand: Brand, memberId: string): Promise<string[]> {
  const res = await h.api<{ items: { template_code: string }[] }>(
    "GET",
    `/v1/members/${memberId}/coupons?status=all`,
    { token: brand.readKey },
  );
  expect(res.status).toBe(200);
  return res.body.items.map((c) => c.template_code).sort();
}

/** A relay of its own with only these subscriptions, driven by hand: `relay().relayOnce()`. */
export function useEngagementRelay(h: () => Harness): () => EventRelay {
  return useRelay(h, registerEngagementSubscriptions);
}

let orderCounter = 0;
export async function placeOrder(h: Harness, brand: Brand, memberId: string, paidMinor: number, at: Date) {
  const res = await h.api<{ order_id: string }>("POST", "/v1/orders", {
    token: brand.writeKey,
    body: {
      channel: "pos",
      external_id: `o-${process.pid}-${++orderCounter}`,
      member: { member_id: memberId },
      currency: "CNY",
      ordered_at: at.toISOString(),
      lines: [{ sku: "TEA", quantity: 1, unit_price_minor: paidMinor }],
      paid_minor: paidMinor,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.order_id;
}

export { drainEvents, ledgerProblems, memberToken, pointsOf };
