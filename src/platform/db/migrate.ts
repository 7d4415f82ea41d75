import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import type { Database } from "./database.ts";

export const MIGRATIONS_DIR = join(import.meta.dirname, "../../../migrations");
const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;
// Any constant shared by every Enclave process: serialises migrations across processes on one server.
const MIGRATION_LOCK_KEY = 7_461_730_001;

export interface Migration {
  version: string;
  name: string;
  checksum: string;
  script: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => FILE_NAME.test(name))
    .sort()
    .map((name) => {
      const script = readFileSync(join(dir, name), "utf8");
      return {
        version: name.slice(0, 4),
        name,
        checksum: createHash("sha256").update(script).digest("hex"),
        script,
      };
    });
}

export class MigrationError extends Error {}

/**
 * Applies pending migrations in order, each in its own transaction. Forward-only: a migration that was
 * applied and then edited is an error, never silently re-run. Safe to call from several processes at once.
 */
export async function migrate(database: Database, migrations = readMigrations()): Promise<string[]> {
  await database.execScript(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const applied: string[] = [];
  await database.db.connection().execute(async (conn) => {
    if (database.kind === "postgres") await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const rows = await sql<{ version: string; checksum: string; name: string }>`
        SELECT version, checksum, name FROM schema_migrations ORDER BY version`.execute(conn);
      const done = new Map(rows.rows.map((r) => [r.version, r]));
      for (const migration of migrations) {
        const previous = done.get(migration.version);
        if (previous) {
          if (previous.checksum !== migration.checksum) {
            throw new MigrationError(
              `migration ${migration.name} was changed after it was applied (as ${previous.name}); add a new migration instead`,
            );
          }
          continue;
        }
        await database.execScript(
          `BEGIN;\n${migration.script}\n;INSERT INTO schema_migrations (version, name, checksum) VALUES ('${migration.version}', '${migration.name}', '${migration.checksum}');\nCOMMIT;`,
        );
        applied.push(migration.name);
      }
    } finally {
      if (database.kind === "postgres")
        await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
  return applied;
}
