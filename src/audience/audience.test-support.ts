import { expect } from "vitest";
import type { Brand, Harness } from "../../test/support/harness.ts";
import type { Db } from "../platform/db/database.ts";

let phoneCounter = 0;

/** A member who joined `daysAgo` days before `now`, via the members API. */
export async function joinedMember(
  h: Harness,
  brand: Brand,
  now: Date,
  daysAgo: number,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await h.api<{ member_id: string }>("POST", "/v1/members", {
    token: brand.writeKey,
    body: { phone: `1380013${String(++phoneCounter).padStart(4, "0")}`, channel: "api", ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await h.enclave.platform.database.db
    .updateTable("members")
    .set({ joined_at: new Date(now.getTime() - daysAgo * 86_400_000) })
    .where("member_id", "=", res.body.member_id)
    .execute();
  return res.body.member_id;
}

let orderCounter = 0;

/** A purchase `daysAgo` days before `now`, via the orders API. */
export async function purchase(
  h: Harness,
  brand: Brand,
  memberId: string,
  now: Date,
  daysAgo: number,
  paidMinor = 10_000,
  line: { sku?: string; category?: string; quantity?: number } = {},
  over: Record<string, unknown> = {},
): Promise<string> {
  const quantity = line.quantity ?? 1;
  const res = await h.api<{ order_id: string }>("POST", "/v1/orders", {
    token: brand.writeKey,
    body: {
      channel: "pos",
      external_id: `aud-${process.pid}-${++orderCounter}`,
      member: { member_id: memberId },
      currency: "CNY",
      ordered_at: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(),
      lines: [
        {
          sku: line.sku ?? "TEA",
          category: line.category ?? "fruit_tea",
          quantity,
          unit_price_minor: paidMinor / quantity,
        },
      ],
      paid_minor: paidMinor,
      ...over,
    },
  });
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  return res.body.order_id;
}

export async function outboxEvents(db: Db, tenantId: string, type: string) {
  return db
    .selectFrom("outbox")
    .select(["subject_id", "payload", "occurred_at"])
    .where("tenant_id", "=", tenantId)
    .where("type", "=", type)
    .orderBy("event_id")
    .execute();
}
