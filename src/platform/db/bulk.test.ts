import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { sql } from "kysely";
import { eventStatement } from "../events.ts";
import { insertMany, insertManyStatement, together } from "./bulk.ts";

describeEachDatabase("bulk insert with unnest", (db) => {
  it("inserts thousands of rows of every column type, nulls and JSON included, exactly", async () => {
    await db()
      .db.insertInto("tenants")
      .values({
        tenant_id: "ten_bulk",
        slug: "bulk",
        name: "B",
        currency: "CNY",
        time_zone: "UTC",
        settings: "{}",
      })
      .execute();
    const at = new Date("2026-01-02T03:04:05.678Z");
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      tenant_id: "ten_bulk",
      event_id: `evt_${i}`,
      type: i % 2 ? "a" : "b",
      subject_id: i % 3 ? `mem_${i}` : null,
      payload: { n: i, text: "quote ' and \" and 中文" },
      occurred_at: at,
      relayed_at: null,
    }));
    await insertMany(
      db().db,
      "outbox",
      {
        tenant_id: "text",
        event_id: "text",
        type: "text",
        subject_id: "text",
        payload: "jsonb",
        occurred_at: "timestamptz",
        relayed_at: "timestamptz",
      },
      rows,
    );
    const back = await db()
      .db.selectFrom("outbox")
      .selectAll()
      .where("tenant_id", "=", "ten_bulk")
      .orderBy("event_id")
      .execute();
    expect(back).toHaveLength(3000);
    const sample = back.find((r) => r.event_id === "evt_7");
    expect(sample).toMatchObject({
      type: "a",
      subject_id: "mem_7",
      payload: { n: 7, text: "quote ' and \" and 中文" },
      relayed_at: null,
    });
    expect(sample?.occurred_at.toISOString()).toBe(at.toISOString());
    expect(back.find((r) => r.event_id === "evt_3")?.subject_id).toBeNull();
  });

  it("runs several writes as one statement, all or none, and answers from the parts that return rows", async () => {
    await db()
      .db.insertInto("tenants")
      .values({
        tenant_id: "ten_together",
        slug: "together",
        name: "T",
        currency: "CNY",
        time_zone: "UTC",
        settings: "{}",
      })
      .execute();
    const event = eventStatement({ tenantId: "ten_together", type: "a", payload: { n: 1 } });
    const rows = await together<{ n: number }>(
      db().db,
      [
        event.statement,
        insertManyStatement(
          "outbox",
          { tenant_id: "text", event_id: "text", type: "text", payload: "jsonb" },
          [{ tenant_id: "ten_together", event_id: "evt_t2", type: "b", payload: { n: 2 } }],
        ),
        undefined,
        {
          name: "renamed",
          statement: sql`UPDATE tenants SET name = 'Together' WHERE tenant_id = 'ten_together' RETURNING 1`,
        },
      ],
      sql`SELECT count(*)::int AS n FROM renamed`,
    );
    expect(rows).toEqual([{ n: 1 }]);
    const events = await db()
      .db.selectFrom("outbox")
      .select(["event_id", "type"])
      .where("tenant_id", "=", "ten_together")
      .orderBy("type")
      .execute();
    expect(events).toEqual([
      { event_id: event.eventId, type: "a" },
      { event_id: "evt_t2", type: "b" },
    ]);
    // A failing part takes the others with it: the same event id again violates the key.
    await expect(
      together(db().db, [
        insertManyStatement(
          "outbox",
          { tenant_id: "text", event_id: "text", type: "text", payload: "jsonb" },
          [{ tenant_id: "ten_together", event_id: "evt_t3", type: "c", payload: {} }],
        ),
        event.statement,
      ]),
    ).rejects.toThrow();
    const after = await db()
      .db.selectFrom("outbox")
      .select("event_id")
      .where("tenant_id", "=", "ten_together")
      .execute();
    expect(after).toHaveLength(2);
  });
});
