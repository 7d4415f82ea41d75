import type { RawBuilder } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { insertManyStatement, together } from "../platform/db/bulk.ts";
import { newId } from "../platform/ids.ts";
import type { Currency } from "./tables.ts";

/**
 * Member accounts hold a member's points (pending until the return window passes, then available) and growth
 * value; program accounts are the other side of every movement. A member's balance plus the program accounts
 * always sum to zero per currency, so liability and breakage are sums of postings.
 */
export type MemberAccount = "member_available" | "member_pending" | "member_growth";
export type ProgramAccount =
  | "program_issued"
  | "program_redeemed"
  | "program_expired"
  | "program_reversed"
  | "program_adjusted"
  | "program_growth";
export type Account = MemberAccount | ProgramAccount;

export const isMemberAccount = (account: Account): account is MemberAccount => account.startsWith("member_");

export interface Posting {
  account: Account;
  /** The member whose account this is; member accounts only. */
  member_id?: string;
  amount: number;
}

export interface EntryInput {
  member_id: string;
  currency: Currency;
  kind: string;
  reason: string;
  rule_id?: string | null;
  source_type: string;
  source_id?: string | null;
  actor: string;
  detail?: Record<string, unknown>;
  occurred_at: Date;
  postings: Posting[];
}

export class LedgerInvariantError extends Error {}

/** An entry must balance, in whole units, with each member posting naming its member: checked before any write. */
export function assertBalanced(entry: EntryInput): void {
  let sum = 0;
  for (const posting of entry.postings) {
    if (!Number.isSafeInteger(posting.amount) || posting.amount === 0) {
      throw new LedgerInvariantError(
        `posting of ${posting.amount} to ${posting.account}: amounts are non-zero integers`,
      );
    }
    if (isMemberAccount(posting.account) !== (posting.member_id !== undefined)) {
      throw new LedgerInvariantError(
        `posting to ${posting.account} must ${isMemberAccount(posting.account) ? "" : "not "}name a member`,
      );
    }
    const growthAccount = posting.account === "member_growth" || posting.account === "program_growth";
    if (growthAccount !== (entry.currency === "growth")) {
      throw new LedgerInvariantError(`posting to ${posting.account} in a ${entry.currency} entry`);
    }
    sum += posting.amount;
  }
  if (entry.postings.length < 2 || sum !== 0) {
    throw new LedgerInvariantError(
      `entry ${entry.kind} for ${entry.member_id} does not balance (sum ${sum})`,
    );
  }
}

/** What an entry moves in the member's own accounts (earn: +, spend: −, pending → available: 0). */
export function memberDelta(entry: EntryInput): number {
  return entry.postings.filter((p) => isMemberAccount(p.account)).reduce((a, p) => a + p.amount, 0);
}

/** The columns of ledger entries and postings and their types, for bulk inserts (and bench/generate.ts's COPY). */
export const ENTRY_COLUMNS = {
  tenant_id: "text",
  entry_id: "text",
  member_id: "text",
  currency: "text",
  kind: "text",
  amount: "bigint",
  reason: "text",
  rule_id: "text",
  source_type: "text",
  source_id: "text",
  actor: "text",
  detail: "jsonb",
  occurred_at: "timestamptz",
} as const;

export const POSTING_COLUMNS = {
  tenant_id: "text",
  entry_id: "text",
  seq: "smallint",
  account: "text",
  member_id: "text",
  amount: "bigint",
} as const;

/** The stored rows of one balanced entry: its `ledger_entries` row and its postings, in ENTRY/POSTING_COLUMNS. */
export function entryRows(tenantId: string, entryId: string, e: EntryInput) {
  return {
    entry: {
      tenant_id: tenantId,
      entry_id: entryId,
      member_id: e.member_id,
      currency: e.currency,
      kind: e.kind,
      amount: memberDelta(e),
      reason: e.reason,
      rule_id: e.rule_id ?? null,
      source_type: e.source_type,
      source_id: e.source_id ?? null,
      actor: e.actor,
      detail: e.detail ?? {},
      occurred_at: e.occurred_at,
    },
    postings: e.postings.map((p, seq) => ({
      tenant_id: tenantId,
      entry_id: entryId,
      seq,
      account: p.account,
      member_id: p.member_id ?? null,
      amount: p.amount,
    })),
  };
}

/** Writes balanced entries and their postings in one statement, for any number. Returns the entry ids in order. */
export async function writeEntries(tx: Executor, tenantId: string, entries: EntryInput[]): Promise<string[]> {
  const { ids, statements } = entryStatements(tenantId, entries);
  await together(tx, statements);
  return ids;
}

/** The inserts writeEntries runs, to be sent with a movement's other writes in one round trip (`together`). */
export function entryStatements(
  tenantId: string,
  entries: EntryInput[],
): { ids: string[]; statements: (RawBuilder<unknown> | undefined)[] } {
  entries.forEach(assertBalanced);
  const ids = entries.map(() => newId("journal"));
  const rows = entries.map((e, i) => entryRows(tenantId, ids[i] ?? "", e));
  return {
    ids,
    statements: [
      insertManyStatement(
        "ledger_entries",
        ENTRY_COLUMNS,
        rows.map((r) => r.entry),
      ),
      insertManyStatement(
        "ledger_postings",
        POSTING_COLUMNS,
        rows.flatMap((r) => r.postings),
      ),
    ],
  };
}

/** A two-legged entry: `amount` leaves `from` and arrives in `to`. */
export function transfer(
  base: Omit<EntryInput, "postings">,
  from: Account,
  to: Account,
  amount: number,
  members: { from?: string; to?: string } = {},
): EntryInput {
  const leg = (account: Account, value: number, member?: string): Posting =>
    isMemberAccount(account)
      ? { account, amount: value, member_id: member ?? base.member_id }
      : { account, amount: value };
  return { ...base, postings: [leg(from, -amount, members.from), leg(to, amount, members.to)] };
}
