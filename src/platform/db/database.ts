import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { Tables } from "../../tables.ts";
import { preparingPool } from "./prepared.ts";

export type DatabaseKind = "pglite" | "postgres";
export type Db = Kysely<Tables>;
export type Tx = Transaction<Tables>;
/** Either the database or an open transaction: store functions accept both. */
export type Executor = Db | Tx;

/** The one way Enclave talks to its store: PGlite (embedded) or a PostgreSQL server, same SQL. */
export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Db;
  /** Runs a multi-statement SQL script (migrations). */
  execScript(script: string): Promise<void>;
  /** The embedded instance, for libraries that adapt to it (pg-boss); undefined on PostgreSQL. */
  readonly pglite: PGlite | undefined;
  readonly connectionString: string | undefined;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a server; omitted for the embedded database. */
  url?: string | undefined;
  /** Folder of the embedded database; omitted for an in-memory one (tests). */
  dataDir?: string | undefined;
  /** Connections in the pool (server only). */
  poolSize?: number;
}

// int8 (counts, sums of points and minor units) fit in a double well below 2^53; parse them as numbers
// as PGlite does, so both back ends return the same shapes.
// Calendar dates (birthdays) stay "YYYY-MM-DD" strings: a Date would shift them by the process's time zone.
const INT8_OID = 20;
const DATE_OID = 1082;
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID) return (value: string) => Number(value);
    if (oid === DATE_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  }) as typeof pg.types.getTypeParser,
};

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.poolSize ?? 10);
  return openPglite(options.dataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: pgTypes });
  // An idle connection dropped by the server (restart, failover) must not crash the process; the pool replaces it.
  pool.on("error", (error) => {
    process.stderr.write(`postgres: idle connection lost: ${error.message}\n`);
  });
  // A connection checked out between statements (inside a transaction) reports its loss as an 'error' event on
  // the client, which nobody else listens to; the statement that uses it next fails and is answered 503.
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      process.stderr.write(`postgres: connection lost: ${error.message}\n`);
    });
  });
  // Fail fast with a clear message when the server is unreachable.
  const client = await pool.connect();
  client.release();
  // Repeated statements go prepared (planned once per connection): src/platform/db/prepared.ts.
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  return {
    kind: "postgres",
    db,
    pglite: undefined,
    connectionString: url,
    async execScript(script) {
      const client = await pool.connect();
      try {
        await client.query(script);
      } catch (error) {
        // A failed script may leave its BEGIN open; never hand that connection back aborted.
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    parsers: { [DATE_OID]: (value: string) => value },
  });
  await pglite.waitReady;
  const db = new Kysely<Tables>({ dialect: new PGliteDialect({ pglite }) });
  return {
    kind: "pglite",
    db,
    pglite,
    connectionString: undefined,
    async execScript(script) {
      try {
        await pglite.exec(script);
      } catch (error) {
        await pglite.exec("ROLLBACK").catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await db.destroy();
    },
  };
}
