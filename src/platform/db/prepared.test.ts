import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase, databaseKinds } from "../../../test/support/databases.ts";
import { openDatabase } from "./database.ts";
import { statementNames } from "./prepared.ts";

describe("statement names", () => {
  it("names a text from its second sighting on, the same name every time, never a script", () => {
    const names = statementNames();
    const text = "select * from members where tenant_id = $1";
    expect(names.nameFor(text)).toBeUndefined();
    const name = names.nameFor(text);
    expect(name).toMatch(/^k_/);
    expect(names.nameFor(text)).toBe(name);
    expect(names.nameFor("select 2")).toBeUndefined();
    expect(names.nameFor("select 1; select 2")).toBeUndefined();
    expect(names.nameFor("select 1; select 2")).toBeUndefined();
  });
});

describe.runIf(databaseKinds().includes("postgres"))("prepared statements on PostgreSQL", () => {
  it("prepares a repeated statement once on its connection and answers as an unnamed one would", async () => {
    const handle = await freshDatabase("postgres");
    // One connection, so the statements below all meet the same server session.
    const database = await openDatabase({ url: handle.url, poolSize: 1 });
    try {
      const answers: number[] = [];
      for (let i = 0; i < 4; i++) {
        const { rows } = await sql<{ n: number }>`select ${i}::int + 1 as n`.execute(database.db);
        answers.push(rows[0]?.n ?? -1);
      }
      expect(answers).toEqual([1, 2, 3, 4]);
      const { rows } = await sql<{
        statement: string;
      }>`select statement from pg_prepared_statements`.execute(database.db);
      expect(rows.map((r) => r.statement)).toContain("select $1::int + 1 as n");
      // Once prepared, a failing execution is the statement's own error, and the connection goes on.
      await expect(sql`select 1 / ${0}::int`.execute(database.db)).rejects.toThrow(/division by zero/);
      await expect(sql`select 1 / ${0}::int`.execute(database.db)).rejects.toThrow(/division by zero/);
      const after = await sql<{ n: number }>`select ${9}::int + 1 as n`.execute(database.db);
      expect(after.rows[0]?.n).toBe(10);
    } finally {
      await database.close();
      await handle.dispose();
    }
  });

  it("sends a statement with a long IN list unnamed, however often it repeats", async () => {
    const handle = await freshDatabase("postgres");
    const database = await openDatabase({ url: handle.url, poolSize: 1 });
    try {
      const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
      for (let i = 0; i < 4; i++) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from (values (1)) v
          where 'id-7' in (${sql.join(ids)})`.execute(database.db);
        expect(rows[0]?.n).toBe(1);
      }
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements
        where statement like '%in ($1, $2%'`.execute(database.db);
      expect(rows[0]?.n).toBe(0);
    } finally {
      await database.close();
      await handle.dispose();
    }
  });

  it("drops a connection whose prepared statement a schema change made stale, and the next call succeeds", async () => {
    const handle = await freshDatabase("postgres");
    const database = await openDatabase({ url: handle.url, poolSize: 1 });
    const other = await openDatabase({ url: handle.url, poolSize: 1 });
    try {
      await sql`create table gadgets (id int primary key)`.execute(other.db);
      await sql`insert into gadgets values (1)`.execute(other.db);
      const read = () => sql<{ id: number }>`select * from gadgets where id = ${1}`.execute(database.db);
      await read();
      await read();
      // A newer process migrates: the prepared "select *" now has a different result type.
      await sql`alter table gadgets add column colour text`.execute(other.db);
      await expect(read()).rejects.toThrow(/cached plan must not change result type/);
      const after = await read();
      expect(after.rows).toEqual([{ id: 1, colour: null }]);
    } finally {
      await other.close();
      await database.close();
      await handle.dispose();
    }
  });
});
