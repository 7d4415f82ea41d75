import { DateTime } from "luxon";
import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { getTenant } from "../tenants/service.ts";

export type Counter = "scans" | "joins" | "first_orders";

export interface CodeTotals {
  scans: number;
  joins: number;
  first_orders: number;
}

/** Adds one to a code's counter for the brand-local day of `at`. */
export async function bump(
  tx: Executor,
  tenantId: string,
  codeId: string,
  at: Date,
  counter: Counter,
): Promise<void> {
  const { time_zone } = await getTenant(tx, tenantId);
  const day = DateTime.fromJSDate(at, { zone: time_zone }).toISODate() ?? "";
  const one = { scans: 0, joins: 0, first_orders: 0, [counter]: 1 };
  await sql`INSERT INTO channel_code_days (tenant_id, code_id, day, scans, joins, first_orders)
    VALUES (${tenantId}, ${codeId}, ${day}::date, ${one.scans}, ${one.joins}, ${one.first_orders})
    ON CONFLICT (tenant_id, code_id, day) DO UPDATE SET
      scans = channel_code_days.scans + EXCLUDED.scans,
      joins = channel_code_days.joins + EXCLUDED.joins,
      first_orders = channel_code_days.first_orders + EXCLUDED.first_orders`.execute(tx);
}

export async function codeTotals(
  db: Executor,
  tenantId: string,
  codeIds: readonly string[],
): Promise<Map<string, CodeTotals>> {
  if (codeIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("channel_code_days")
    .select((eb) => [
      "code_id",
      eb.fn.sum<number>("scans").as("scans"),
      eb.fn.sum<number>("joins").as("joins"),
      eb.fn.sum<number>("first_orders").as("first_orders"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("code_id", "in", [...codeIds])
    .groupBy("code_id")
    .execute();
  return new Map(
    rows.map((r) => [
      r.code_id,
      { scans: Number(r.scans), joins: Number(r.joins), first_orders: Number(r.first_orders) },
    ]),
  );
}

export async function codeDays(
  db: Executor,
  tenantId: string,
  codeId: string,
  window: { from: string; to: string },
): Promise<({ day: string } & CodeTotals)[]> {
  return db
    .selectFrom("channel_code_days")
    .select(["day", "scans", "joins", "first_orders"])
    .where("tenant_id", "=", tenantId)
    .where("code_id", "=", codeId)
    .where("day", ">=", window.from)
    .where("day", "<=", window.to)
    .orderBy("day")
    .execute();
}
