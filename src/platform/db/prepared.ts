import { createHash } from "node:crypto";
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type pg from "pg";

/**
 * Named (prepared) statements for the PostgreSQL pool behind Kysely.
 *
 * Kysely sends every query unnamed, so the server parses and plans it on every execution; for the small indexed
 * reads of a checkout quote that was most of PostgreSQL's time (docs/benchmarks.md). A statement text seen
 * `PREPARE_AFTER` times is given a name derived from its text and prepared once per connection; later executions
 * on that connection skip parsing and, once PostgreSQL settles on a generic plan, planning.
 *
 * A schema change that alters a prepared statement's result columns (a migration run by a newer process beside
 * this one) makes PostgreSQL refuse it on that connection ("cached plan must not change result type"): the
 * statement fails once and its connection is dropped from the pool, so the next one starts afresh.
 *
 * Bounded on both sides: at most `MAX_TEXTS` distinct texts are counted (texts that vary with their input, such
 * as IN lists of many lengths, stop being counted once it is full) and at most `MAX_PER_CONNECTION` statements
 * are prepared on one connection; beyond either, statements go unnamed as before.
 */
const PREPARE_AFTER = 2;
const MAX_TEXTS = 4_000;
const MAX_PER_CONNECTION = 500;
/**
 * Statements binding more values than this go unnamed: an IN list of a thousand ids is planned in well under a
 * millisecond, while its generic plan cannot hash the list (the values are parameters, not constants) and compares
 * every row it scans with every id — 170 ms instead of 3 for a batch's "which of these orders exist" read.
 */
const MAX_PREPARED_VALUES = 64;

interface TextEntry {
  seen: number;
  name: string | undefined;
}

export interface StatementNames {
  /** The name to prepare `text` under, once it has been seen often enough; undefined to send it unnamed. */
  nameFor(text: string): string | undefined;
}

export function statementNames(): StatementNames {
  const texts = new Map<string, TextEntry>();
  return {
    nameFor(text) {
      let entry = texts.get(text);
      if (!entry) {
        // One statement per text: a multi-statement script cannot be prepared.
        if (texts.size >= MAX_TEXTS || text.includes(";")) return undefined;
        entry = { seen: 0, name: undefined };
        texts.set(text, entry);
      }
      entry.seen += 1;
      if (entry.seen < PREPARE_AFTER) return undefined;
      entry.name ??= `k_${createHash("sha1").update(text).digest("base64url")}`;
      return entry.name;
    },
  };
}

/** Wraps a `pg` pool so the clients Kysely checks out send repeated statements prepared. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = statementNames();
  const prepared = new WeakMap<pg.PoolClient, Set<string>>();
  return {
    options: pool.options,
    end: () => pool.end(),
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let own = prepared.get(client);
      if (!own) {
        own = new Set();
        prepared.set(client, own);
      }
      const statements = own;
      let stale = false;
      function query<R>(text: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(
        textOrCursor: string | PostgresCursor<R>,
        parameters?: readonly unknown[],
      ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        if (typeof textOrCursor !== "string") {
          return client.query(textOrCursor as unknown as pg.Submittable) as unknown as PostgresCursor<R>;
        }
        const values = parameters as unknown[];
        const name = values.length > MAX_PREPARED_VALUES ? undefined : names.nameFor(textOrCursor);
        const usable = name !== undefined && (statements.has(name) || statements.size < MAX_PER_CONNECTION);
        if (usable) statements.add(name);
        const config = usable ? { name, text: textOrCursor, values } : { text: textOrCursor, values };
        const result = client.query(config) as unknown as Promise<PostgresQueryResult<R>>;
        return usable
          ? result.catch((error: unknown) => {
              if (isStalePlan(error)) stale = true;
              throw error;
            })
          : result;
      }
      return { query, release: (destroy?: boolean) => client.release(destroy === true || stale) };
    },
  };
}

/** PostgreSQL's refusal of a prepared statement whose result columns changed under it (SQLSTATE 0A000). */
function isStalePlan(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as Error & { code?: string }).code === "0A000" &&
    error.message.includes("cached plan must not change result type")
  );
}
