import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { eventStatement, recordEvent } from "../platform/events.ts";
import { businessRule } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { insertMany, together } from "../platform/db/bulk.ts";
import {
  addDelta,
  applyBalanceDeltas,
  applyCheckedDeltas,
  balanceDeltasStatement,
  type Balance,
  type BalanceDelta,
  lockBalances,
} from "./balances.ts";
import type { EarnDecision } from "./earn-rules.ts";
import { type EntryInput, entryStatements, transfer, writeEntries } from "./ledger.ts";
import { fefo, type OpenLot, planTake } from "./lots.ts";

/**
 * Every way points move: earn, activate, spend, adjust, reverse, expire. Each function expects to run inside the
 * caller's transaction and takes the members' balance locks (lockBalances) before reading their lots.
 */

export interface Actor {
  /** Who caused the movement: a staff id, key id, "system:expiry", … (shown in history). */
  actor: string;
}

// ——— earning ———

export interface Earning {
  member_id: string;
  source_type: string;
  source_id: string;
  earned_at: Date;
  /** Pending until then (the order's return window); available at once when not after `earned_at`. */
  available_at: Date;
  expires_at: Date | null;
  decisions: EarnDecision[];
  reason: string;
  /** "earn" from program_issued unless said otherwise (a manual grant is an "adjust" from program_adjusted). */
  entry_kind?: "earn" | "adjust";
}

/** The columns of a new lot and their types, for bulk inserts. */
export const LOT_COLUMNS = {
  tenant_id: "text",
  lot_id: "text",
  member_id: "text",
  entry_id: "text",
  source_type: "text",
  source_id: "text",
  amount: "bigint",
  remaining: "bigint",
  status: "text",
  earned_at: "timestamptz",
  available_at: "timestamptz",
  expires_at: "timestamptz",
} as const;

/**
 * Posts earnings for many members at once: one ledger entry per rule decision (so each names its rule), one
 * lot per earning, one growth entry per earning. Balances are locked and updated once per member.
 */
export async function postEarnings(
  tx: Executor,
  tenantId: string,
  earnings: Earning[],
  actor: Actor,
  now: Date,
  /** The members' balances when the caller already holds their locks (batch ingest). */
  locked?: Map<string, Balance>,
  /** Other balance changes of the same members (order counts) to write in the same statement. */
  alsoApply: Map<string, BalanceDelta> = new Map(),
  /**
   * `locked` was read without locks: verify it when updating (applyCheckedDeltas) instead of trusting it. `ordered`
   * says whether the caller's decisions depended on the member having ordered before (a first-purchase bonus).
   */
  optimistic?: { ordered: boolean },
): Promise<void> {
  // Owed points matter only to earnings that land available at once (they pay the debt off first).
  const owedMatters = earnings.some((e) => e.available_at <= now);
  const apply = (deltas: Map<string, BalanceDelta>) =>
    optimistic && locked
      ? applyCheckedDeltas(tx, tenantId, deltas, locked, now, {
          owed: owedMatters,
          ordered: optimistic.ordered,
        })
      : applyBalanceDeltas(tx, tenantId, deltas, now);
  const withPoints = earnings.filter((e) => e.decisions.some((d) => d.points > 0 || d.growth > 0));
  if (withPoints.length === 0) {
    await apply(alsoApply);
    return;
  }
  const balances =
    locked ??
    (await lockBalances(
      tx,
      tenantId,
      withPoints.map((e) => e.member_id),
    ));
  const entries: EntryInput[] = [];
  const lots: { earning: Earning; entryIndex: number; points: number; pending: boolean }[] = [];
  const deltas = new Map<string, BalanceDelta>();
  for (const [memberId, delta] of alsoApply) addDelta(deltas, memberId, delta);
  for (const earning of withPoints) {
    const pending = earning.available_at > now;
    const memberAccount = pending ? "member_pending" : "member_available";
    const points = earning.decisions.reduce((a, d) => a + d.points, 0);
    const growth = earning.decisions.reduce((a, d) => a + d.growth, 0);
    const firstEntry = entries.length;
    for (const decision of earning.decisions) {
      if (decision.points <= 0) continue;
      entries.push(
        transfer(
          {
            member_id: earning.member_id,
            currency: "points",
            kind: earning.entry_kind ?? "earn",
            reason:
              earning.entry_kind === "adjust" ? earning.reason : `${earning.reason}: ${decision.rule_name}`,
            rule_id: earning.entry_kind === "adjust" ? null : decision.rule_id,
            source_type: earning.source_type,
            source_id: earning.source_id,
            actor: actor.actor,
            detail: { pending },
            occurred_at: earning.earned_at,
          },
          earning.entry_kind === "adjust" ? "program_adjusted" : "program_issued",
          memberAccount,
          decision.points,
        ),
      );
    }
    if (points > 0) lots.push({ earning, entryIndex: firstEntry, points, pending });
    if (growth > 0) {
      const base = earning.decisions.find((d) => d.kind === "base") ?? earning.decisions[0];
      entries.push(
        transfer(
          {
            member_id: earning.member_id,
            currency: "growth",
            kind: "earn",
            reason: earning.reason,
            rule_id: base?.rule_id ?? null,
            source_type: earning.source_type,
            source_id: earning.source_id,
            actor: actor.actor,
            occurred_at: earning.earned_at,
          },
          "program_growth",
          "member_growth",
          growth,
        ),
      );
    }
    addDelta(
      deltas,
      earning.member_id,
      pending ? { pending: points, growth } : { available: points, growth },
    );
  }
  const entryIds = await writeEntries(tx, tenantId, entries);

  // Points that land as available while the member owes points (negative balance) pay the debt off first.
  const owed = new Map([...balances].map(([id, b]) => [id, Math.max(0, -b.available)]));
  await insertMany(
    tx,
    "points_lots",
    LOT_COLUMNS,
    lots.map(({ earning, entryIndex, points, pending }) => {
      const debt = pending ? 0 : Math.min(points, owed.get(earning.member_id) ?? 0);
      owed.set(earning.member_id, (owed.get(earning.member_id) ?? 0) - debt);
      return {
        tenant_id: tenantId,
        lot_id: newId("lot"),
        member_id: earning.member_id,
        entry_id: entryIds[entryIndex] ?? "",
        source_type: earning.source_type,
        source_id: earning.source_id,
        amount: points,
        remaining: points - debt,
        status: pending ? "pending" : points - debt > 0 ? "available" : "closed",
        earned_at: earning.earned_at,
        available_at: pending ? earning.available_at : earning.earned_at,
        expires_at: earning.expires_at,
      };
    }),
  );
  await apply(deltas);
}

// ——— reading lots ———

interface LotRow extends OpenLot {
  member_id: string;
  status: "pending" | "available" | "closed";
  source_type: string;
  source_id: string | null;
  amount: number;
}

async function openLots(
  tx: Executor,
  tenantId: string,
  memberId: string,
  filter: { status?: "pending" | "available"; source?: { type: string; id: string } } = {},
): Promise<LotRow[]> {
  let query = tx
    .selectFrom("points_lots")
    .select([
      "lot_id",
      "member_id",
      "remaining",
      "earned_at",
      "expires_at",
      "status",
      "source_type",
      "source_id",
      "amount",
    ])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("remaining", ">", 0);
  if (filter.status) query = query.where("status", "=", filter.status);
  else query = query.where("status", "in", ["pending", "available"]);
  if (filter.source)
    query = query.where("source_type", "=", filter.source.type).where("source_id", "=", filter.source.id);
  return fefo(await query.execute());
}

async function drawLots(
  tx: Executor,
  tenantId: string,
  takes: { lot_id: string; amount: number }[],
): Promise<void> {
  if (takes.length === 0) return;
  const drawn = await together<{ drawn: number }>(
    tx,
    [{ name: "drawn", statement: drawLotsStatement(tenantId, takes) }],
    sql`SELECT count(*)::int AS drawn FROM drawn`,
  );
  checkDrawn(drawn, takes);
}

/** Takes points from lots, all in one statement; it returns a row per lot that had enough. */
function drawLotsStatement(
  tenantId: string,
  takes: { lot_id: string; amount: number }[],
): RawBuilder<unknown> {
  return sql`UPDATE points_lots AS l SET
      remaining = l.remaining - t.amount,
      status = CASE WHEN l.remaining = t.amount THEN 'closed' ELSE l.status END
    FROM unnest(${takes.map((t) => t.lot_id)}::text[], ${takes.map((t) => t.amount)}::bigint[]) AS t(lot_id, amount)
    WHERE l.tenant_id = ${tenantId} AND l.lot_id = t.lot_id AND l.remaining >= t.amount
    RETURNING l.lot_id`;
}

// The balance lock makes a short lot impossible; if it ever happens, stop before the ledger and lots disagree.
function checkDrawn(rows: { drawn: number }[], takes: { lot_id: string; amount: number }[]): void {
  const drawn = rows[0]?.drawn ?? 0;
  if (drawn !== takes.length)
    throw new Error(`lots out of step: ${takes.length} lots to draw from, ${drawn} had enough`);
}

// ——— spending and adjusting ———

export interface SpendInput extends Actor {
  member_id: string;
  amount: number;
  reason: string;
  /** What the points paid for: the business key that makes a retried spend a no-op. */
  source_type: string;
  source_id: string;
  kind?: "spend" | "adjust";
}

export interface MovementResult {
  entry_id: string;
  amount: number;
  balance_after: number;
  replayed: boolean;
}

async function existingMovement(
  tx: Executor,
  tenantId: string,
  memberId: string,
  kind: string,
  sourceType: string,
  sourceId: string,
): Promise<{ entry_id: string; amount: number } | undefined> {
  return tx
    .selectFrom("ledger_entries")
    .select(["entry_id", "amount"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("kind", "=", kind)
    .where("source_type", "=", sourceType)
    .where("source_id", "=", sourceId)
    .executeTakeFirst();
}

/**
 * Spends available points, first-expiring-first. Never overdraws: the member's balance row is locked, so of many
 * concurrent spends exactly those the balance covers succeed. The same (source_type, source_id) twice is one spend.
 */
export async function spendPoints(
  tx: Executor,
  tenantId: string,
  input: SpendInput,
  now: Date,
): Promise<MovementResult> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw businessRule("amount must be a positive whole number of points", "/amount");
  const kind = input.kind ?? "spend";
  const balance = (await lockBalances(tx, tenantId, [input.member_id])).get(input.member_id);
  const previous = await existingMovement(
    tx,
    tenantId,
    input.member_id,
    kind,
    input.source_type,
    input.source_id,
  );
  if (previous) return { ...previous, balance_after: balance?.available ?? 0, replayed: true };
  const available = balance?.available ?? 0;
  if (available < input.amount) {
    throw businessRule(
      `not enough points: ${Math.max(0, available)} available, ${input.amount} needed`,
      "/amount",
    );
  }
  const { takes, shortfall } = planTake(
    await openLots(tx, tenantId, input.member_id, { status: "available" }),
    input.amount,
  );
  if (shortfall > 0)
    throw new Error(`ledger out of step: balance ${available} but lots short by ${shortfall}`);
  // The lots, the entry, the balance and the event in one round trip: the balance lock is held for fewer of them.
  const entries = entryStatements(tenantId, [
    transfer(
      {
        member_id: input.member_id,
        currency: "points",
        kind,
        reason: input.reason,
        source_type: input.source_type,
        source_id: input.source_id,
        actor: input.actor,
        detail: { lots: takes },
        occurred_at: now,
      },
      "member_available",
      kind === "adjust" ? "program_adjusted" : "program_redeemed",
      input.amount,
    ),
  ]);
  const event = eventStatement({
    tenantId,
    type: kind === "adjust" ? "points.adjusted" : "points.spent",
    subjectId: input.member_id,
    at: now,
    payload: {
      member_id: input.member_id,
      amount: -input.amount,
      reason: input.reason,
      source_type: input.source_type,
      source_id: input.source_id,
    },
  });
  const drawn = await together<{ drawn: number }>(
    tx,
    [
      { name: "drawn", statement: drawLotsStatement(tenantId, takes) },
      ...entries.statements,
      balanceDeltasStatement(tenantId, new Map([[input.member_id, { available: -input.amount }]]), now),
      event.statement,
    ],
    sql`SELECT count(*)::int AS drawn FROM drawn`,
  );
  checkDrawn(drawn, takes);
  return {
    entry_id: entries.ids[0] ?? "",
    amount: -input.amount,
    balance_after: available - input.amount,
    replayed: false,
  };
}

export interface GrantInput extends Actor {
  member_id: string;
  amount: number;
  reason: string;
  source_type: string;
  source_id: string;
  expires_at: Date | null;
}

/** Adds available points outside an order (manual adjustment, engagement rewards), as a lot of their own. */
export async function grantPoints(
  tx: Executor,
  tenantId: string,
  input: GrantInput,
  now: Date,
): Promise<MovementResult> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw businessRule("amount must be a positive whole number of points", "/amount");
  const balance = (await lockBalances(tx, tenantId, [input.member_id])).get(input.member_id);
  const previous = await existingMovement(
    tx,
    tenantId,
    input.member_id,
    "adjust",
    input.source_type,
    input.source_id,
  );
  if (previous) return { ...previous, balance_after: balance?.available ?? 0, replayed: true };
  await postEarnings(
    tx,
    tenantId,
    [
      {
        member_id: input.member_id,
        source_type: input.source_type,
        source_id: input.source_id,
        earned_at: now,
        available_at: now,
        expires_at: input.expires_at,
        decisions: [
          {
            rule_id: input.source_type,
            rule_name: input.reason,
            kind: "bonus",
            points: input.amount,
            growth: 0,
          },
        ],
        reason: input.reason,
        entry_kind: "adjust",
      },
    ],
    input,
    now,
  );
  const entry = await existingMovement(
    tx,
    tenantId,
    input.member_id,
    "adjust",
    input.source_type,
    input.source_id,
  );
  await recordEvent(tx, {
    tenantId,
    type: "points.adjusted",
    subjectId: input.member_id,
    at: now,
    payload: {
      member_id: input.member_id,
      amount: input.amount,
      reason: input.reason,
      source_type: input.source_type,
      source_id: input.source_id,
    },
  });
  return {
    entry_id: entry?.entry_id ?? "",
    amount: input.amount,
    balance_after: (balance?.available ?? 0) + input.amount,
    replayed: false,
  };
}

// ——— reversing (refunds, cancellations) ———

export interface ReversalInput extends Actor {
  member_id: string;
  /** Points to take back, and growth value. */
  points: number;
  growth: number;
  /** The earning being reversed (its lots are drawn first) and the refund that causes it. */
  source_type: string;
  source_id: string;
  reason: string;
  policy: "negative_balance" | "clamp";
}

export interface ReversalResult {
  reversed: number;
  /** Points the member no longer had: owed under negative_balance, written off under clamp. */
  shortfall: number;
  owed: number;
}

/**
 * Takes back points an earning gave: from its own lots (pending first, then available), then from the member's
 * other available points first-expiring-first; what is left is owed (negative balance) or written off (clamp),
 * and the entry says which.
 */
export async function reversePoints(
  tx: Executor,
  tenantId: string,
  input: ReversalInput,
  now: Date,
): Promise<ReversalResult> {
  const balance = (await lockBalances(tx, tenantId, [input.member_id])).get(input.member_id);
  const source = { type: input.source_type, id: input.source_id };
  const own = await openLots(tx, tenantId, input.member_id, { source });
  const ownPending = own.filter((l) => l.status === "pending");
  const ownAvailable = own.filter((l) => l.status === "available");
  const fromPending = Math.min(
    input.points,
    ownPending.reduce((a, l) => a + l.remaining, 0),
  );
  const pendingPlan = planTake(ownPending, fromPending);
  const afterPending = input.points - fromPending;
  const others = (await openLots(tx, tenantId, input.member_id, { status: "available" })).filter(
    (l) => l.source_id !== input.source_id || l.source_type !== input.source_type,
  );
  const availablePlan = planTake([...ownAvailable, ...others], afterPending);
  const fromAvailable = afterPending - availablePlan.shortfall;
  const shortfall = availablePlan.shortfall;
  await drawLots(tx, tenantId, [...pendingPlan.takes, ...availablePlan.takes]);

  const base = {
    member_id: input.member_id,
    currency: "points" as const,
    kind: "reverse",
    reason: input.reason,
    source_type: input.source_type,
    source_id: input.source_id,
    actor: input.actor,
    occurred_at: now,
  };
  const entries: EntryInput[] = [];
  if (fromPending > 0)
    entries.push(
      transfer({ ...base, detail: { from: "pending" } }, "member_pending", "program_reversed", fromPending),
    );
  const owedNow = input.policy === "negative_balance" ? shortfall : 0;
  if (fromAvailable + owedNow > 0) {
    entries.push(
      transfer(
        { ...base, detail: { from: "available", owed: owedNow } },
        "member_available",
        "program_reversed",
        fromAvailable + owedNow,
      ),
    );
  }
  if (shortfall > 0 && input.policy === "clamp") {
    // Nothing moves for the written-off part; the ledger still says so, on a zero-amount note in the reversal.
    const last = entries[entries.length - 1];
    if (last) last.detail = { ...last.detail, written_off: shortfall };
  }
  if (input.growth > 0) {
    entries.push(transfer({ ...base, currency: "growth" }, "member_growth", "program_growth", input.growth));
  }
  if (entries.length > 0) await writeEntries(tx, tenantId, entries);
  await applyBalanceDeltas(
    tx,
    tenantId,
    new Map([
      [
        input.member_id,
        { pending: -fromPending, available: -(fromAvailable + owedNow), growth: -input.growth },
      ],
    ]),
    now,
  );
  const availableAfter = (balance?.available ?? 0) - fromAvailable - owedNow;
  return { reversed: fromPending + fromAvailable + owedNow, shortfall, owed: Math.max(0, -availableAfter) };
}

// ——— activation and expiry (jobs) ———

const JOB_BATCH = 500;

/**
 * Makes pending lots whose return window has passed available. Processes up to a batch; returns how many lots
 * moved so the job can call again.
 */
export async function activateDueLots(
  tx: Executor,
  now: Date,
  scope: { tenantId?: string; sourceIds?: string[] } = {},
): Promise<number> {
  let query = tx
    .selectFrom("points_lots")
    .select(["tenant_id", "member_id"])
    .where("status", "=", "pending")
    .where("available_at", "<=", now);
  if (scope.tenantId) query = query.where("tenant_id", "=", scope.tenantId);
  if (scope.sourceIds)
    query = query.where("source_id", "in", scope.sourceIds.length ? scope.sourceIds : ["-"]);
  const due = await query.limit(JOB_BATCH).execute();
  let moved = 0;
  for (const [tenantId, memberIds] of groupByTenant(due)) {
    const balances = await lockBalances(tx, tenantId, memberIds);
    const lots = await tx
      .selectFrom("points_lots")
      .select(["lot_id", "member_id", "remaining", "entry_id", "source_type", "source_id"])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "in", memberIds)
      .where("status", "=", "pending")
      .where("available_at", "<=", now)
      .orderBy("lot_id")
      .execute();
    const entries: EntryInput[] = [];
    const deltas = new Map<string, BalanceDelta>();
    const owed = new Map([...balances].map(([id, b]) => [id, Math.max(0, -b.available)]));
    for (const lot of lots) {
      if (lot.remaining > 0) {
        entries.push(
          transfer(
            {
              member_id: lot.member_id,
              currency: "points",
              kind: "activate",
              reason: "return window passed",
              source_type: lot.source_type,
              source_id: lot.source_id,
              actor: "system:activation",
              detail: { lot_id: lot.lot_id },
              occurred_at: now,
            },
            "member_pending",
            "member_available",
            lot.remaining,
          ),
        );
        addDelta(deltas, lot.member_id, { pending: -lot.remaining, available: lot.remaining });
      }
      // Points owed from an earlier refund are paid back from the points that just became available.
      const debt = Math.min(lot.remaining, owed.get(lot.member_id) ?? 0);
      owed.set(lot.member_id, (owed.get(lot.member_id) ?? 0) - debt);
      const remaining = lot.remaining - debt;
      await tx
        .updateTable("points_lots")
        .set({ status: remaining > 0 ? "available" : "closed", remaining })
        .where("tenant_id", "=", tenantId)
        .where("lot_id", "=", lot.lot_id)
        .execute();
      moved++;
    }
    await writeEntries(tx, tenantId, entries);
    await applyBalanceDeltas(tx, tenantId, deltas, now);
    for (const [memberId, delta] of deltas) {
      await recordEvent(tx, {
        tenantId,
        type: "points.available",
        subjectId: memberId,
        at: now,
        payload: { member_id: memberId, amount: delta.available ?? 0 },
      });
    }
  }
  return moved;
}

/**
 * Expires what is left of lots whose time has come. Spent points are never touched: the lot's remaining is read
 * under the member's balance lock, after any concurrent spend committed.
 */
export async function expireDueLots(
  tx: Executor,
  now: Date,
  scope: { tenantId?: string } = {},
): Promise<number> {
  let query = tx
    .selectFrom("points_lots")
    .select(["tenant_id", "member_id"])
    .where("status", "=", "available")
    .where("remaining", ">", 0)
    .where("expires_at", "<=", now);
  if (scope.tenantId) query = query.where("tenant_id", "=", scope.tenantId);
  const due = await query.limit(JOB_BATCH).execute();
  let expired = 0;
  for (const [tenantId, memberIds] of groupByTenant(due)) {
    await lockBalances(tx, tenantId, memberIds);
    const lots = await tx
      .selectFrom("points_lots")
      .select(["lot_id", "member_id", "remaining", "source_type", "source_id", "expires_at"])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "in", memberIds)
      .where("status", "=", "available")
      .where("remaining", ">", 0)
      .where("expires_at", "<=", now)
      .execute();
    if (lots.length === 0) continue;
    const entries = lots.map((lot) =>
      transfer(
        {
          member_id: lot.member_id,
          currency: "points",
          kind: "expire",
          reason: "points expired",
          source_type: lot.source_type,
          source_id: lot.source_id,
          actor: "system:expiry",
          detail: { lot_id: lot.lot_id, expires_at: lot.expires_at?.toISOString() },
          occurred_at: now,
        },
        "member_available",
        "program_expired",
        lot.remaining,
      ),
    );
    await writeEntries(tx, tenantId, entries);
    await tx
      .updateTable("points_lots")
      .set({ remaining: 0, status: "closed" })
      .where("tenant_id", "=", tenantId)
      .where(
        "lot_id",
        "in",
        lots.map((l) => l.lot_id),
      )
      .execute();
    const deltas = new Map<string, BalanceDelta>();
    for (const lot of lots) addDelta(deltas, lot.member_id, { available: -lot.remaining });
    await applyBalanceDeltas(tx, tenantId, deltas, now);
    for (const [memberId, delta] of deltas) {
      await recordEvent(tx, {
        tenantId,
        type: "points.expired",
        subjectId: memberId,
        at: now,
        payload: { member_id: memberId, amount: delta.available ?? 0 },
      });
    }
    expired += lots.length;
  }
  return expired;
}

function groupByTenant(rows: { tenant_id: string; member_id: string }[]): Map<string, string[]> {
  const byTenant = new Map<string, Set<string>>();
  for (const row of rows) {
    const set = byTenant.get(row.tenant_id) ?? new Set<string>();
    set.add(row.member_id);
    byTenant.set(row.tenant_id, set);
  }
  return new Map([...byTenant].map(([t, s]) => [t, [...s]]));
}

// ——— merging two members ———

/** Moves everything the absorbed member holds to the survivor, as ledger entries on both. */
export async function mergePoints(
  tx: Executor,
  tenantId: string,
  absorbedId: string,
  survivorId: string,
  actor: Actor,
  now: Date,
): Promise<void> {
  const balances = await lockBalances(tx, tenantId, [absorbedId, survivorId]);
  await tx
    .insertInto("points_merges")
    .values({ tenant_id: tenantId, survivor_id: survivorId, absorbed_id: absorbedId, merged_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const from = balances.get(absorbedId);
  if (!from) return;
  const base = {
    member_id: survivorId,
    kind: "merge",
    reason: `merged from ${absorbedId}`,
    source_type: "merge",
    source_id: absorbedId,
    actor: actor.actor,
    occurred_at: now,
  };
  const entries: EntryInput[] = [];
  const moves: [number, "member_available" | "member_pending" | "member_growth"][] = [
    [from.available, "member_available"],
    [from.pending, "member_pending"],
    [from.growth, "member_growth"],
  ];
  for (const [amount, account] of moves) {
    if (amount === 0) continue;
    entries.push({
      ...base,
      currency: account === "member_growth" ? "growth" : "points",
      postings: [
        { account, member_id: absorbedId, amount: -amount },
        { account, member_id: survivorId, amount },
      ],
    });
  }
  await writeEntries(tx, tenantId, entries);
  await tx
    .updateTable("points_lots")
    .set({ member_id: survivorId })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", absorbedId)
    .execute();
  const deltas = new Map<string, BalanceDelta>([
    [
      absorbedId,
      {
        available: -from.available,
        pending: -from.pending,
        growth: -from.growth,
        orders: -from.orders_count,
      },
    ],
    [
      survivorId,
      {
        available: from.available,
        pending: from.pending,
        growth: from.growth,
        orders: from.orders_count,
        ...(from.first_order_at ? { first_order_at: from.first_order_at } : {}),
        ...(from.last_order_at ? { last_order_at: from.last_order_at } : {}),
      },
    ],
  ]);
  await applyBalanceDeltas(tx, tenantId, deltas, now);
}

// ——— giving back spent points (a cancelled checkout, a cancelled reward) ———

export interface RestoreInput extends Actor {
  member_id: string;
  /** The spend being given back, by its business key. */
  source_type: string;
  source_id: string;
  /** This restoration's own business key (a cancellation, a refund): the same key twice restores once. */
  restore_key: string;
  /** Points to give back; omitted: everything of the spend not yet given back. */
  amount?: number;
  reason: string;
}

export interface RestoreResult {
  entry_id: string | null;
  restored: number;
  replayed: boolean;
}

interface SpentLot {
  lot_id: string;
  amount: number;
}

function spentLots(detail: Record<string, unknown>): SpentLot[] {
  const lots = detail.lots;
  if (!Array.isArray(lots)) return [];
  return lots.flatMap((l: unknown) =>
    typeof l === "object" &&
    l !== null &&
    "lot_id" in l &&
    "amount" in l &&
    typeof l.lot_id === "string" &&
    typeof l.amount === "number"
      ? [{ lot_id: l.lot_id, amount: l.amount }]
      : [],
  );
}

/**
 * The member and every record merged into it, however deep (a survivor may itself have been absorbed later), as a
 * subquery: a spend made before a merge stays recorded under the record that made it.
 */
function recordsOf(tenantId: string, memberId: string): RawBuilder<string> {
  return sql<string>`(
    WITH RECURSIVE absorbed(member_id) AS (
      SELECT ${memberId}::text
      UNION
      SELECT m.absorbed_id FROM points_merges m JOIN absorbed a ON m.survivor_id = a.member_id
      WHERE m.tenant_id = ${tenantId})
    SELECT member_id FROM absorbed)`;
}

/**
 * Gives back points a spend took, as new available lots that keep the expiry of the lots they came from (the
 * member gets back what they had, not fresher points). The entry moves program_redeemed → member_available, so
 * redeemed totals and liability stay sums of postings. Points the member owes (negative balance) are paid first.
 */
export async function restoreSpentPoints(
  tx: Executor,
  tenantId: string,
  input: RestoreInput,
  now: Date,
): Promise<RestoreResult> {
  const balance = (await lockBalances(tx, tenantId, [input.member_id])).get(input.member_id);
  const related = await tx
    .selectFrom("ledger_entries")
    .select(["entry_id", "kind", "amount", "detail"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", recordsOf(tenantId, input.member_id))
    .where("kind", "in", ["spend", "restore"])
    .where("source_type", "=", input.source_type)
    .where("source_id", "=", input.source_id)
    .where("currency", "=", "points")
    .orderBy("entry_id")
    .execute();
  const previous = related.find((e) => e.kind === "restore" && e.detail.restore_key === input.restore_key);
  if (previous) return { entry_id: previous.entry_id, restored: previous.amount, replayed: true };
  const spend = related.find((e) => e.kind === "spend");
  if (!spend) return { entry_id: null, restored: 0, replayed: false };
  const spent = -spend.amount;
  const alreadyRestored = related.filter((e) => e.kind === "restore").reduce((sum, e) => sum + e.amount, 0);
  const left = spent - alreadyRestored;
  const amount = input.amount ?? left;
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > left) {
    throw new Error(
      `cannot restore ${amount} of ${input.source_type}/${input.source_id}: ${left} left to restore`,
    );
  }
  if (amount === 0) return { entry_id: null, restored: 0, replayed: false };

  // The lots the spend drew from, in the order it drew them; earlier restorations gave back the first ones.
  let skip = alreadyRestored;
  let take = amount;
  const pieces: SpentLot[] = [];
  for (const lot of spentLots(spend.detail)) {
    const skipped = Math.min(skip, lot.amount);
    skip -= skipped;
    const piece = Math.min(lot.amount - skipped, take);
    if (piece > 0) pieces.push({ lot_id: lot.lot_id, amount: piece });
    take -= piece;
  }
  // A spend recorded without its lots still gives its points back, as one lot without expiry.
  if (take > 0) pieces.push({ lot_id: "", amount: take });
  const originals = new Map(
    (
      await tx
        .selectFrom("points_lots")
        .select(["lot_id", "earned_at", "expires_at"])
        .where("tenant_id", "=", tenantId)
        .where(
          "lot_id",
          "in",
          pieces.map((p) => p.lot_id || "-"),
        )
        .execute()
    ).map((l) => [l.lot_id, l]),
  );

  const [entryId = ""] = await writeEntries(tx, tenantId, [
    transfer(
      {
        member_id: input.member_id,
        currency: "points",
        kind: "restore",
        reason: input.reason,
        source_type: input.source_type,
        source_id: input.source_id,
        actor: input.actor,
        detail: { restore_key: input.restore_key, lots: pieces },
        occurred_at: now,
      },
      "program_redeemed",
      "member_available",
      amount,
    ),
  ]);
  let owed = Math.max(0, -(balance?.available ?? 0));
  await insertMany(
    tx,
    "points_lots",
    LOT_COLUMNS,
    pieces.map((piece) => {
      const original = originals.get(piece.lot_id);
      const debt = Math.min(piece.amount, owed);
      owed -= debt;
      return {
        tenant_id: tenantId,
        lot_id: newId("lot"),
        member_id: input.member_id,
        entry_id: entryId,
        source_type: input.source_type,
        source_id: input.source_id,
        amount: piece.amount,
        remaining: piece.amount - debt,
        status: piece.amount - debt > 0 ? "available" : "closed",
        earned_at: original?.earned_at ?? now,
        available_at: now,
        expires_at: original?.expires_at ?? null,
      };
    }),
  );
  await applyBalanceDeltas(tx, tenantId, new Map([[input.member_id, { available: amount }]]), now);
  await recordEvent(tx, {
    tenantId,
    type: "points.restored",
    subjectId: input.member_id,
    at: now,
    payload: {
      member_id: input.member_id,
      amount,
      reason: input.reason,
      source_type: input.source_type,
      source_id: input.source_id,
    },
  });
  return { entry_id: entryId, restored: amount, replayed: false };
}

/**
 * What checkout needs to know about a member's points, read without locks: the spendable balance, whether they
 * ever ordered (first-purchase bonuses) and what orders earned them on one brand-local day (daily caps).
 */
export async function pointsFacts(
  db: Executor,
  tenantId: string,
  memberId: string,
  day: { start: Date; end: Date } | null,
): Promise<{ available: number; orders_count: number; earned_on_day: number }> {
  const balance = await db
    .selectFrom("member_balances")
    .select(["available", "orders_count"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .executeTakeFirst();
  let earned = 0;
  if (day) {
    const row = await db
      .selectFrom("ledger_entries")
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("amount"), eb.val(0)).as("points"))
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .where("occurred_at", ">=", day.start)
      .where("occurred_at", "<", day.end)
      .where("currency", "=", "points")
      .where("kind", "=", "earn")
      .where("source_type", "=", "order")
      .executeTakeFirst();
    earned = Number(row?.points ?? 0);
  }
  return {
    available: Math.max(0, balance?.available ?? 0),
    orders_count: balance?.orders_count ?? 0,
    earned_on_day: earned,
  };
}
