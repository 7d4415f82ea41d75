import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import type { Db } from "../platform/db/database.ts";
import { checkLedger } from "./audit.ts";
import { lockBalances } from "./balances.ts";
import { grantPoints, restoreSpentPoints, reversePoints, spendPoints } from "./movements.ts";

const NOW = new Date("2026-03-10T04:00:00Z");
const DAY = 86_400_000;

describeEachDatabase("Giving back spent points", (database) => {
  const h = useEnclave(database);
  const db = (): Db => h().enclave.platform.database.db;

  async function memberWith(
    lots: { amount: number; expiresInDays: number }[],
  ): Promise<{ tenantId: string; memberId: string }> {
    const brand = await h().newBrand();
    const member = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: {
        phone: `1381234${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`,
        channel: "api",
      },
    });
    for (const [i, lot] of lots.entries()) {
      await db()
        .transaction()
        .execute((t) =>
          grantPoints(
            t,
            brand.tenantId,
            {
              member_id: member.body.member_id,
              amount: lot.amount,
              reason: "grant",
              source_type: "test",
              source_id: `g${i}`,
              actor: "test",
              expires_at: new Date(NOW.getTime() + lot.expiresInDays * DAY),
            },
            NOW,
          ),
        );
    }
    return { tenantId: brand.tenantId, memberId: member.body.member_id };
  }

  const balance = async (tenantId: string, memberId: string) =>
    (
      await db()
        .transaction()
        .execute((t) => lockBalances(t, tenantId, [memberId]))
    ).get(memberId)?.available ?? 0;

  it("gives a spend back as lots with the expiry of the lots it took, and the ledger still balances", async () => {
    const { tenantId, memberId } = await memberWith([
      { amount: 300, expiresInDays: 10 },
      { amount: 500, expiresInDays: 100 },
    ]);
    const spend = {
      member_id: memberId,
      amount: 600,
      reason: "checkout",
      source_type: "checkout",
      source_id: "o-1",
      actor: "test",
    };
    await db()
      .transaction()
      .execute((t) => spendPoints(t, tenantId, spend, NOW));
    expect(await balance(tenantId, memberId)).toBe(200);

    const restore = {
      member_id: memberId,
      source_type: "checkout",
      source_id: "o-1",
      restore_key: "cancel",
      reason: "order cancelled",
      actor: "test",
    };
    const result = await db()
      .transaction()
      .execute((t) => restoreSpentPoints(t, tenantId, restore, NOW));
    expect(result).toMatchObject({ restored: 600, replayed: false });
    expect(await balance(tenantId, memberId)).toBe(800);
    const lots = await db()
      .selectFrom("points_lots")
      .select(["amount", "expires_at"])
      .where("tenant_id", "=", tenantId)
      .where("source_id", "=", "o-1")
      .orderBy("expires_at")
      .execute();
    expect(lots.map((l) => [l.amount, l.expires_at?.getTime()])).toEqual([
      [300, NOW.getTime() + 10 * DAY],
      [300, NOW.getTime() + 100 * DAY],
    ]);
    expect(await checkLedger(db(), tenantId)).toMatchObject({ ok: true, problems: [] });

    const again = await db()
      .transaction()
      .execute((t) => restoreSpentPoints(t, tenantId, restore, NOW));
    expect(again).toMatchObject({ restored: 600, replayed: true });
    expect(await balance(tenantId, memberId)).toBe(800);
  });

  it("gives back in parts, never more than was spent", async () => {
    const { tenantId, memberId } = await memberWith([{ amount: 1000, expiresInDays: 30 }]);
    await db()
      .transaction()
      .execute((t) =>
        spendPoints(
          t,
          tenantId,
          {
            member_id: memberId,
            amount: 1000,
            reason: "checkout",
            source_type: "checkout",
            source_id: "o-2",
            actor: "test",
          },
          NOW,
        ),
      );
    const part = (key: string, amount?: number) =>
      db()
        .transaction()
        .execute((t) =>
          restoreSpentPoints(
            t,
            tenantId,
            {
              member_id: memberId,
              source_type: "checkout",
              source_id: "o-2",
              restore_key: key,
              reason: "refund",
              actor: "test",
              ...(amount !== undefined ? { amount } : {}),
            },
            NOW,
          ),
        );
    expect((await part("r1", 400)).restored).toBe(400);
    await expect(part("r2", 601)).rejects.toThrow("600 left to restore");
    expect((await part("r3")).restored).toBe(600);
    expect(await balance(tenantId, memberId)).toBe(1000);
    expect(await checkLedger(db(), tenantId)).toMatchObject({ ok: true });
  });

  it("pays what the member owes first when points come back into a negative balance", async () => {
    const { tenantId, memberId } = await memberWith([{ amount: 500, expiresInDays: 30 }]);
    await db()
      .transaction()
      .execute((t) =>
        spendPoints(
          t,
          tenantId,
          {
            member_id: memberId,
            amount: 500,
            reason: "checkout",
            source_type: "checkout",
            source_id: "o-3",
            actor: "test",
          },
          NOW,
        ),
      );
    // A refund of the grant's source leaves the member owing 200.
    await db()
      .transaction()
      .execute((t) =>
        reversePoints(
          t,
          tenantId,
          {
            member_id: memberId,
            points: 200,
            growth: 0,
            source_type: "test",
            source_id: "g0",
            reason: "refund",
            policy: "negative_balance",
            actor: "test",
          },
          NOW,
        ),
      );
    expect(await balance(tenantId, memberId)).toBe(-200);
    await db()
      .transaction()
      .execute((t) =>
        restoreSpentPoints(
          t,
          tenantId,
          {
            member_id: memberId,
            source_type: "checkout",
            source_id: "o-3",
            restore_key: "cancel",
            reason: "cancel",
            actor: "test",
          },
          NOW,
        ),
      );
    expect(await balance(tenantId, memberId)).toBe(300);
    expect(await checkLedger(db(), tenantId)).toMatchObject({ ok: true, problems: [] });
  });
});
