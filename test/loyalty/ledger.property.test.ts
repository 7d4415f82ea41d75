import fc from "fast-check";
import { expect, it } from "vitest";
import { type IngestResult, ingestOrders, type OrderInput } from "../../src/orders/ingest.ts";
import { cancelOrder, completeDueOrders, refundOrder } from "../../src/orders/refunds.ts";
import { fixedClock } from "../../src/platform/clock.ts";
import type { Tx } from "../../src/platform/db/database.ts";
import { Problem } from "../../src/platform/http/problems.ts";
import { checkLedger } from "../../src/points/audit.ts";
import { activateDueLots, expireDueLots, grantPoints, spendPoints } from "../../src/points/movements.ts";
import { updateProgram } from "../../src/points/program.ts";
import { mergeMembers } from "../../src/members/merge.ts";
import { describeEachDatabase } from "../support/databases.ts";
import { useEnclave } from "../support/harness.ts";

const DAY = 86_400_000;

type Op =
  | { kind: "earn"; member: number; paid: number }
  | { kind: "replay" }
  | { kind: "spend"; member: number; amount: number }
  | { kind: "refund"; order: number; share: number }
  | { kind: "cancel"; order: number }
  | { kind: "advance"; days: number }
  | { kind: "adjust"; member: number; amount: number }
  | { kind: "merge"; survivor: number; absorbed: number };

const MEMBERS = 3;
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("earn" as const),
      member: fc.nat(MEMBERS - 1),
      paid: fc.integer({ min: 0, max: 60_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "replay" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("spend" as const),
      member: fc.nat(MEMBERS - 1),
      amount: fc.integer({ min: 1, max: 400 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("refund" as const),
      order: fc.nat(50),
      share: fc.double({ min: 0.05, max: 1, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), order: fc.nat(50) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 40 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("adjust" as const),
      member: fc.nat(MEMBERS - 1),
      amount: fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("merge" as const),
      survivor: fc.nat(MEMBERS - 1),
      absorbed: fc.nat(MEMBERS - 1),
    }),
  },
);

const clock = fixedClock(new Date("2026-01-05T02:00:00Z"));

describeEachDatabase("The ledger under random sequences of operations", (db) => {
  const h = useEnclave(db, { clock });

  it("keeps every invariant: balanced entries, balances = postings = lots, no lot below zero, replays change nothing, merged records hold nothing", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 5, maxLength: 30 }),
        fc.constantFrom<"negative_balance" | "clamp">("negative_balance", "clamp"),
        async (ops, policy) => {
          run++;
          const brand = await h().newBrand();
          const database = h().enclave.platform.database.db;
          await database
            .transaction()
            .execute((tx) =>
              updateProgram(
                tx,
                brand.tenantId,
                { return_window_days: 3, expiry: { kind: "rolling_days", days: 30 }, refund_policy: policy },
                clock.now(),
              ),
            );
          const members: string[] = [];
          for (let i = 0; i < MEMBERS; i++) {
            const res = await h().api<{ member_id: string }>("POST", "/v1/members", {
              token: brand.writeKey,
              body: { phone: `1370000${run % 1000}`.padEnd(11, String(i)), channel: "api" },
            });
            if (res.status !== 201) throw new Error(JSON.stringify(res.body));
            members.push(res.body.member_id);
          }
          // A merged record's id still names the person, as the API resolves it: operations on it reach the survivor.
          const mergedInto = new Map<string, string>();
          const live = (index: number) => {
            let id = members[index] ?? "";
            while (mergedInto.has(id)) id = mergedInto.get(id) ?? "";
            return id;
          };
          const orders: { input: OrderInput; result: IngestResult }[] = [];
          let n = 0;
          for (const step of ops) {
            const now = clock.now();
            const tx = (work: (t: Tx) => Promise<unknown>) =>
              database
                .transaction()
                .execute(work)
                .catch((error: unknown) => {
                  // Business-rule refusals (not enough points, refunding a cancelled order) are expected outcomes.
                  if (error instanceof Problem) return undefined;
                  throw error;
                });
            switch (step.kind) {
              case "earn": {
                const input: OrderInput = {
                  channel: "pos",
                  external_id: `p-${run}-${++n}`,
                  member: { member_id: live(step.member) },
                  currency: "CNY",
                  ordered_at: now,
                  lines: [{ sku: "X", quantity: 1, unit_price_minor: step.paid }],
                  paid_minor: step.paid,
                };
                const [result] = await database
                  .transaction()
                  .execute((t) => ingestOrders(t, brand.tenantId, [input], "test", now));
                if (result) orders.push({ input, result });
                break;
              }
              case "replay": {
                const last = orders[orders.length - 1];
                if (!last) break;
                const before = await database
                  .selectFrom("member_balances")
                  .selectAll()
                  .where("tenant_id", "=", brand.tenantId)
                  .orderBy("member_id")
                  .execute();
                const [again] = await database
                  .transaction()
                  .execute((t) => ingestOrders(t, brand.tenantId, [last.input], "test", now));
                expect(again?.created).toBe(false);
                const after = await database
                  .selectFrom("member_balances")
                  .selectAll()
                  .where("tenant_id", "=", brand.tenantId)
                  .orderBy("member_id")
                  .execute();
                expect(after).toEqual(before);
                break;
              }
              case "spend":
                await tx((t) =>
                  spendPoints(
                    t,
                    brand.tenantId,
                    {
                      member_id: live(step.member),
                      amount: step.amount,
                      reason: "p",
                      source_type: "test",
                      source_id: `s-${run}-${++n}`,
                      actor: "test",
                    },
                    now,
                  ),
                );
                break;
              case "refund": {
                const target = orders[step.order % Math.max(1, orders.length)];
                if (!target) break;
                const amount = Math.max(1, Math.floor(target.input.paid_minor * step.share));
                await tx((t) =>
                  refundOrder(
                    t,
                    brand.tenantId,
                    target.result.order_id,
                    { external_id: `r-${++n}`, amount_minor: amount },
                    "test",
                    now,
                  ),
                );
                break;
              }
              case "cancel": {
                const target = orders[step.order % Math.max(1, orders.length)];
                if (target)
                  await tx((t) => cancelOrder(t, brand.tenantId, target.result.order_id, "p", "test", now));
                break;
              }
              case "advance":
                clock.advance(step.days * DAY);
                await database.transaction().execute((t) => completeDueOrders(t, clock.now()));
                await database.transaction().execute((t) => activateDueLots(t, clock.now()));
                await database.transaction().execute((t) => expireDueLots(t, clock.now()));
                break;
              case "adjust":
                if (step.amount > 0) {
                  await tx((t) =>
                    grantPoints(
                      t,
                      brand.tenantId,
                      {
                        member_id: live(step.member),
                        amount: step.amount,
                        reason: "p",
                        source_type: "manual",
                        source_id: `a-${run}-${++n}`,
                        actor: "test",
                        expires_at: new Date(now.getTime() + 10 * DAY),
                      },
                      now,
                    ),
                  );
                } else {
                  await tx((t) =>
                    spendPoints(
                      t,
                      brand.tenantId,
                      {
                        member_id: live(step.member),
                        amount: -step.amount,
                        reason: "p",
                        source_type: "manual",
                        source_id: `a-${run}-${++n}`,
                        actor: "test",
                        kind: "adjust",
                      },
                      now,
                    ),
                  );
                }
                break;
              case "merge": {
                const [survivor, absorbed] = [live(step.survivor), live(step.absorbed)];
                if (survivor === absorbed) break;
                await database
                  .transaction()
                  .execute((t) => mergeMembers(t, brand.tenantId, survivor, absorbed, "test", now));
                mergedInto.set(absorbed, survivor);
                break;
              }
            }
          }
          const check = await checkLedger(database, brand.tenantId);
          expect(check.problems).toEqual([]);
          const negativeLots = await database
            .selectFrom("points_lots")
            .select("lot_id")
            .where("tenant_id", "=", brand.tenantId)
            .where("remaining", "<", 0)
            .execute();
          expect(negativeLots).toEqual([]);
          // A merged record holds nothing: its balances and lots went to the survivor.
          const merged = [...mergedInto.keys()];
          if (merged.length > 0) {
            const left = await database
              .selectFrom("member_balances")
              .select(["member_id", "available", "pending", "growth"])
              .where("tenant_id", "=", brand.tenantId)
              .where("member_id", "in", merged)
              .where((eb) => eb.or([eb("available", "!=", 0), eb("pending", "!=", 0), eb("growth", "!=", 0)]))
              .execute();
            expect(left).toEqual([]);
            const lots = await database
              .selectFrom("points_lots")
              .select("lot_id")
              .where("tenant_id", "=", brand.tenantId)
              .where("member_id", "in", merged)
              .execute();
            expect(lots).toEqual([]);
          }
          if (policy === "clamp") {
            const owing = await database
              .selectFrom("member_balances")
              .select("member_id")
              .where("tenant_id", "=", brand.tenantId)
              .where("available", "<", 0)
              .execute();
            expect(owing).toEqual([]);
          }
        },
      ),
      { numRuns: 12 },
    );
    // Twelve brands' worth of operations: ~25 s on two shared cores, too near the default 30 s.
  }, 120_000);
});
