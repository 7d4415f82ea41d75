import { type RawBuilder, sql } from "kysely";
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
  await insertManyStatement(table, columns, rows)?.execute(tx);
}

/** The statement insertMany runs, to be sent with others in one round trip (`together`); none for no rows. */
export function insertManyStatement<T extends keyof Tables>(
  table: T,
  columns: { [C in keyof Tables[T]]?: ColumnType },
  rows: Row<T>[],
): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
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
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))})
    SELECT ${sql.join(selected)} FROM unnest(${sql.join(unnestArgs)}) AS u(${sql.join(names.map((n) => sql.ref(n)))})`;
}

/**
 * Runs several data-modifying statements as one (`WITH s0 AS (…), s1 AS (…) <last>`): one round trip instead of
 * one each. PostgreSQL runs every part exactly once, to completion, on the same snapshot — so the parts must not
 * depend on each other's effects (no part may read or change a row another part changes). `last` may be a SELECT
 * over the parts that return rows (give those a `name`); without one the last statement is the main one.
 */
export async function together<R = unknown>(
  tx: Executor,
  parts: (RawBuilder<unknown> | { name: string; statement: RawBuilder<unknown> } | undefined)[],
  last?: RawBuilder<R>,
): Promise<R[]> {
  const present = parts.filter((p) => p !== undefined);
  const named = present.map((p, i) => ("statement" in p ? p : { name: `s${i}`, statement: p }));
  const main = last ?? named.pop()?.statement;
  if (main === undefined) return [];
  if (named.length === 0) return (await main.execute(tx)).rows as R[];
  const ctes = sql.join(named.map((p) => sql`${sql.id(p.name)} AS (${p.statement})`));
  return (await sql<R>`WITH ${ctes} ${main}`.execute(tx)).rows;
}
