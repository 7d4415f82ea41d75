import pino from "pino";
import { beforeAll, expect } from "vitest";
import type { Brand, Harness } from "../../test/support/harness.ts";
import { openMemberSession } from "../access/service.ts";
import { EventRelay } from "../platform/events.ts";
import { registerCouponSubscriptions } from "./subscriptions.ts";

/** The coupon API for specs: the harness's own server (kept as a function so specs read `api()(…)`). */
export function useCouponApi(h: () => Harness): () => Harness["api"] {
  return () => (method, url, options) => h().api(method, url, options);
}

/** A relay of its own with only the coupon subscriptions, driven by hand: `relay().relayOnce()`. */
export function useCouponRelay(h: () => Harness): () => EventRelay {
  let relay: EventRelay | undefined;
  beforeAll(() => {
    const platform = h().enclave.platform;
    relay = new EventRelay(platform.database.db, pino({ level: "silent" }));
    registerCouponSubscriptions({ ...platform, events: relay });
  });
  return () => {
    if (!relay) throw new Error("relay not ready");
    return relay;
  };
}

export async function drainEvents(relay: EventRelay): Promise<void> {
  for (let i = 0; i < 100 && (await relay.relayOnce()) > 0; i++);
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

export async function memberToken(h: Harness, brand: Brand, memberId: string): Promise<string> {
  const session = await openMemberSession(
    h.enclave.platform.database.db,
    brand.tenantId,
    memberId,
    h.enclave.platform.clock.now(),
  );
  return session.token;
}

export async function grantPoints(h: Harness, brand: Brand, memberId: string, amount: number): Promise<void> {
  const res = await h.api("POST", `/v1/members/${memberId}/points/adjustments`, {
    token: brand.ownerToken,
    body: { amount, reason: "test grant" },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

export async function pointsOf(h: Harness, brand: Brand, memberId: string): Promise<number> {
  const res = await h.api<{ available: number }>("GET", `/v1/members/${memberId}/points`, {
    token: brand.readKey,
  });
  return res.body.available;
}

export async function ledgerProblems(h: Harness, brand: Brand): Promise<string[]> {
  const res = await h.api<{ problems: string[] }>("GET", "/v1/points/check", { token: brand.readKey });
  return res.body.problems;
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
