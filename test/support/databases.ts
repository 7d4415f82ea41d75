import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { type Database, type DatabaseKind, openDatabase } from "../../src/platform/db/database.ts";
import { migrate } from "../../src/platform/db/migrate.ts";
import { adminQuery, databaseUrl } from "./postgres.ts";

/** A fresh, migrated database of the given kind, dropped by `dispose`. */
export async function freshDatabase(
  kind: DatabaseKind,
): Promise<{ database: Database; url?: string; dispose(): Promise<void> }> {
  if (kind === "pglite") {
    const database = await openDatabase({});
    await migrate(database);
    return { database, dispose: () => database.close() };
  }
  const template = inject("postgresTemplate");
  const name = `enclave_t_${inject("runId")}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = databaseUrl(name);
  const database = await openDatabase({ url, poolSize: 10 });
  await migrate(database);
  return {
    database,
    url,
    async dispose() {
      await database.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export function databaseKinds(): DatabaseKind[] {
  return inject("postgresTemplate") ? ["pglite", "postgres"] : ["pglite"];
}

/**
 * Runs the same specification on every database Enclave supports: the embedded one and PostgreSQL.
 * `body` receives a getter for the database of its run, opened once per kind.
 */
export function describeEachDatabase(
  name: string,
  body: (db: () => Database, kind: DatabaseKind) => void,
): void {
  for (const kind of databaseKinds()) {
    describe(`${name} [${kind}]`, () => {
      let handle: Awaited<ReturnType<typeof freshDatabase>> | undefined;
      beforeAll(async () => {
        handle = await freshDatabase(kind);
      });
      afterAll(async () => {
        await handle?.dispose();
      });
      body(() => {
        if (!handle) throw new Error("database not ready");
        return handle.database;
      }, kind);
    });
  }
}
