import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { MigrationError, migrate, readMigrations } from "./migrate.ts";

describeEachDatabase("migrations", (db) => {
  it("are applied once: running them again changes nothing", async () => {
    expect(await migrate(db())).toEqual([]);
  });

  it("refuse a migration that was edited after it was applied", async () => {
    const [first, ...rest] = readMigrations();
    if (!first) throw new Error("no migrations");
    const edited = { ...first, checksum: "0".repeat(64), script: `${first.script}\n-- edited` };
    await expect(migrate(db(), [edited, ...rest])).rejects.toBeInstanceOf(MigrationError);
  });

  it("apply a new migration in order and record it", async () => {
    const all = readMigrations();
    const extra = {
      version: "9999",
      name: "9999_probe.sql",
      checksum: "probe",
      script: "CREATE TABLE probe_table (tenant_id text, x int);",
    };
    expect(await migrate(db(), [...all, extra])).toEqual(["9999_probe.sql"]);
    const rows = await db().db.selectFrom("schema_migrations").select("version").orderBy("version").execute();
    expect(rows.map((r) => r.version)).toEqual([...all.map((m) => m.version), "9999"]);
  });

  it("roll back a failing migration whole", async () => {
    const all = readMigrations();
    const broken = {
      version: "9998",
      name: "9998_broken.sql",
      checksum: "broken",
      script: "CREATE TABLE half_done (x int);\nSELECT no_such_function();",
    };
    await expect(migrate(db(), [...all, broken])).rejects.toThrow();
    const tables = await db()
      .db.selectFrom("pg_tables" as never)
      .select("tablename" as never)
      .where("tablename" as never, "=", "half_done" as never)
      .execute();
    expect(tables).toHaveLength(0);
    // The connection is usable afterwards.
    expect(await migrate(db(), all)).toEqual([]);
  });
});
