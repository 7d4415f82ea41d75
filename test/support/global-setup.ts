import { createHash } from "node:crypto";
import type { TestProject } from "vitest/node";
import { type Database, openDatabase } from "../../src/platform/db/database.ts";
import { migrate, readMigrations } from "../../src/platform/db/migrate.ts";
import { adminQuery, databaseUrl, postgresReachable, TEST_DATABASE_URL } from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Name of a migrated PostgreSQL database to copy per test file, or "" when PostgreSQL is not reachable. */
    postgresTemplate: string;
    runId: string;
  }
}

/**
 * Migrates one template database per set of migrations; each test file then gets a fresh copy of it
 * (CREATE DATABASE … TEMPLATE), which is much faster than migrating per file.
 */
export default async function setup(project: TestProject) {
  const runId = `${process.pid}`;
  project.provide("runId", runId);
  const reachable = await postgresReachable();
  if (!reachable) {
    if (process.env.CI)
      throw new Error(`CI needs PostgreSQL for the test suite and ${TEST_DATABASE_URL} did not answer`);
    console.warn(
      `PostgreSQL not reachable at ${TEST_DATABASE_URL}: running the PGlite half of the suite only`,
    );
    project.provide("postgresTemplate", "");
    return;
  }
  const digest = createHash("sha256")
    .update(
      readMigrations()
        .map((m) => m.checksum)
        .join(),
    )
    .digest("hex")
    .slice(0, 12);
  const template = `enclave_tpl_${digest}`;
  const exists = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${template}'`);
  if (exists.rowCount === 0) {
    const building = `${template}_${runId}`;
    await adminQuery(`CREATE DATABASE ${building}`);
    let database: Database | undefined;
    try {
      database = await openDatabase({ url: databaseUrl(building), poolSize: 2 });
      await migrate(database);
    } finally {
      await database?.close();
    }
    // Renamed only once complete, so a crashed build is never used as a template.
    await adminQuery(`ALTER DATABASE ${building} RENAME TO ${template}`).catch(async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${building}`);
    });
  }
  project.provide("postgresTemplate", template);

  return async () => {
    const leftovers = await adminQuery(
      `SELECT datname FROM pg_database WHERE datname LIKE 'enclave_t_${runId}_%'`,
    );
    for (const row of leftovers.rows as { datname: string }[]) {
      await adminQuery(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`).catch(() => undefined);
    }
  };
}
