import pino from "pino";
import { expect, it } from "vitest";
import { EventRelay, recordEvent } from "../../src/platform/events.ts";
import { Jobs } from "../../src/platform/jobs.ts";
import { describeEachDatabase } from "../support/databases.ts";

const silent = pino({ level: "silent" });

describeEachDatabase("background jobs and the outbox", (db) => {
  it("runs a job sent to the queue, on this database", async () => {
    const jobs = new Jobs(db(), silent);
    const seen: number[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    jobs.define<{ n: number }>("test.echo", async (data) => {
      seen.push(data.n);
      if (seen.length === 3) done();
    });
    await jobs.start();
    try {
      await jobs.send("test.echo", { n: 1 });
      await jobs.send("test.echo", { n: 2 });
      await jobs.send("test.echo", { n: 3 });
      await Promise.race([
        finished,
        new Promise((_, reject) => setTimeout(() => reject(new Error("jobs did not run")), 20_000)),
      ]);
      expect(seen.sort()).toEqual([1, 2, 3]);
    } finally {
      await jobs.stop();
    }
  });

  it("delivers an event only if its transaction committed, and again after a failed handler", async () => {
    const database = db().db;
    await database
      .insertInto("tenants")
      .values({
        tenant_id: "ten_events",
        slug: "events",
        name: "E",
        currency: "CNY",
        time_zone: "UTC",
        settings: "{}",
      })
      .execute();
    const relay = new EventRelay(database, silent);
    const handled: string[] = [];
    let failOnce = true;
    relay.subscribe("thing.happened", async (event, tx) => {
      if (failOnce) {
        failOnce = false;
        throw new Error("subscriber down");
      }
      handled.push(String(event.payload.n));
      await tx
        .insertInto("audit_log")
        .values({
          tenant_id: event.tenantId,
          audit_id: event.eventId,
          actor: "test",
          action: "seen",
          subject_id: null,
          detail: "{}",
        })
        .execute();
    });

    await database.transaction().execute(async (tx) => {
      await recordEvent(tx, { tenantId: "ten_events", type: "thing.happened", payload: { n: 1 } });
    });
    await database
      .transaction()
      .execute(async (tx) => {
        await recordEvent(tx, { tenantId: "ten_events", type: "thing.happened", payload: { n: 2 } });
        throw new Error("the change failed");
      })
      .catch(() => undefined);

    await expect(relay.relayOnce()).rejects.toThrow("subscriber down");
    expect(handled).toEqual([]);
    expect(await relay.relayOnce()).toBe(1);
    expect(handled).toEqual(["1"]);
    expect(await relay.relayOnce()).toBe(0);
    const audit = await database
      .selectFrom("audit_log")
      .select("action")
      .where("tenant_id", "=", "ten_events")
      .execute();
    expect(audit).toHaveLength(1);
  });
});
