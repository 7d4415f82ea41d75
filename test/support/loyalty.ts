import { expect } from "vitest";
import { openMemberSession } from "../../src/access/service.ts";
import type { Harness, Brand } from "./harness.ts";

let orderCounter = 0;

/** A valid single-line order body for the API; override any field. */
export function orderBody(member: Record<string, unknown>, over: Record<string, unknown> = {}) {
  const paid = (over.paid_minor as number | undefined) ?? 10_000;
  return {
    channel: "pos",
    external_id: `o-${process.pid}-${++orderCounter}`,
    member,
    currency: "CNY",
    ordered_at: new Date().toISOString(),
    lines: [{ sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: paid }],
    paid_minor: paid,
    ...over,
  };
}

export async function joinMember(
  h: Harness,
  brand: Brand,
  phone: string,
  joinedAt?: string,
): Promise<string> {
  const res = await h.api<{ member_id: string }>("POST", "/v1/members", {
    token: brand.writeKey,
    body: { phone, channel: "api" },
  });
  if (res.status !== 201) throw new Error(`join failed: ${JSON.stringify(res.body)}`);
  if (joinedAt) {
    await h.enclave.platform.database.db
      .updateTable("members")
      .set({ joined_at: new Date(joinedAt) })
      .where("member_id", "=", res.body.member_id)
      .execute();
  }
  return res.body.member_id;
}

export interface Balance {
  available: number;
  pending: number;
  owed: number;
  growth: number;
}

export async function balanceOf(h: Harness, brand: Brand, memberId: string): Promise<Balance> {
  const res = await h.api<Balance>("GET", `/v1/members/${memberId}/points`, { token: brand.readKey });
  if (res.status !== 200) throw new Error(`balance failed: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function ledgerProblems(h: Harness, brand: Brand): Promise<string[]> {
  const res = await h.api<{ ok: boolean; problems: string[] }>("GET", "/v1/points/check", {
    token: brand.readKey,
  });
  return res.body.problems;
}

/** A member session token, opened as the brand's backend would vouch for the member. */
export async function memberToken(h: Harness, brand: Brand, memberId: string): Promise<string> {
  const session = await openMemberSession(
    h.enclave.platform.database.db,
    brand.tenantId,
    memberId,
    h.enclave.platform.clock.now(),
  );
  return session.token;
}

export async function pointsOf(h: Harness, brand: Brand, memberId: string): Promise<number> {
  const res = await h.api<{ available: number }>("GET", `/v1/members/${memberId}/points`, {
    token: brand.readKey,
  });
  expect(res.status).toBe(200);
  return res.body.available;
}
