import pino from "pino";
import { afterAll, beforeAll, expect } from "vitest";
import type { Brand, Harness } from "../../test/support/harness.ts";
import { authenticate, openMemberSession } from "../access/service.ts";
import { EventRelay } from "../platform/events.ts";
import { createHttpServer, type HttpServer } from "../platform/http/server.ts";
import { mallRoutes } from "./mall/routes.ts";
import { couponRoutes } from "./routes.ts";
import { registerCouponSubscriptions } from "./subscriptions.ts";

/**
 * The coupon API for specs. Until src/app.ts registers couponRoutes and mallRoutes, a second server on the same
 * platform serves them; once it does, the harness's own server is used and this builds nothing.
 */
export function useCouponApi(h: () => Harness): () => Harness["api"] {
  let server: HttpServer | undefined;
  let api: Harness["api"] | undefined;
  beforeAll(async () => {
    const enclave = h().enclave;
    if (enclave.http.hasRoute({ method: "POST", url: "/v1/checkout/quote" })) {
      const harness = h();
      api = (method, url, opts) => harness.api(method, url, opts);
      return;
    }
    const platform = enclave.platform;
    const http = await createHttpServer(platform, (token, now) =>
      authenticate(platform.database.db, token, now),
    );
    await http.register(couponRoutes);
    await http.register(mallRoutes);
    await http.ready();
    server = http;
    api = async (method, url, opts = {}) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let payload: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        payload = JSON.stringify(opts.body);
        headers["content-type"] ??= "application/json";
      }
      const response = await http.inject({
        method,
        url,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
      const type = String(response.headers["content-type"] ?? "");
      const body: unknown =
        type.includes("json") && response.body ? JSON.parse(response.body) : response.body;
      return { status: response.statusCode, headers: response.headers, body: body as never };
    };
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!api) throw new Error("coupon API not ready");
    return api;
  };
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
