import { sql } from "kysely";
import type { Tables } from "../../tables.ts";
import type { Executor } from "./database.ts";

export type ColumnType =
  "text" | "bigint" | "integer" | "smallint" | "boolean" | "timestamptz" | "jsonb" | "date";

type Row<T extends keyof Tables> = { [C in keyof Tables[T]]?: unknown };

/**
 * Inserts many rows with one parameter per column (`INSERT … SELECT FROM unnest($1::text[], $2::bigint[], …)`)
 * instead of one per value. Thousands of rows then cost one small statement to parse and bind, which is what
 * makes batched ingest fast; the multi-row VALUES form spent most of its time building and binding parameters.
 */
export async function insertMany<T extends keyof Tables>(
  tx: Executor,
  table: T,
  columns: { [C in keyof Tables[T]]?: ColumnType },
  rows: Row<T>[],
): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns) as (keyof Tables[T] & string)[];
  const arrays = names.map((name) => {
    const type = columns[name];
    return rows.map((row) => {
      const value = row[name];
      if (value === undefined || value === null) return null;
      if (value instanceof Date) return value.toISOString();
      if (type === "jsonb") return typeof value === "string" ? value : JSON.stringify(value);
      return value;
    });
  });
  // jsonb travels as text and is cast per row: arrays of jsonb do not bind the same way on both drivers.
  const unnestArgs = names.map((name, i) => {
    const type = columns[name] === "jsonb" ? "text" : columns[name];
    return sql`${arrays[i]}::${sql.raw(type ?? "text")}[]`;
  });
  const selected = names.map((name) =>
    columns[name] === "jsonb" ? sql`${sql.ref(`u.${name}`)}::jsonb` : sql.ref(`u.${name}`),
  );
  await sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))})
    SELECT ${sql.join(selected)} FROM unnest(${sql.join(unnestArgs)}) AS u(${sql.join(names.map((n) => sql.ref(n)))})`.execute(
    tx,
  );
}
