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
    // Down for two calls: the batch attempt and the event-by-event attempt of the same pass.
    let failures = 2;
    relay.subscribe("thing.happened", async (event, tx) => {
      if (event.payload.n === 1 && failures > 0) {
        failures--;
        throw new Error("subscriber down");
      }
      if (event.payload.n === 9) throw new Error("always broken");
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
    await database.transaction().execute(async (tx) => {
      await recordEvent(tx, { tenantId: "ten_events", type: "thing.happened", payload: { n: 3 } });
    });

    // The failing event is set aside with its error; the one behind it is not held up.
    expect(await relay.relayOnce()).toBe(1);
    expect(handled).toEqual(["3"]);
    const aside = await database
      .selectFrom("outbox")
      .select(["relay_attempts", "relay_error", "relayed_at"])
      .where("tenant_id", "=", "ten_events")
      .where("relay_error", "is not", null)
      .execute();
    expect(aside).toEqual([{ relay_attempts: 1, relay_error: "subscriber down", relayed_at: null }]);
    expect(await relay.relayOnce()).toBe(0); // not due yet
    const due = () =>
      database
        .updateTable("outbox")
        .set({ relay_after: new Date(0) })
        .where("relayed_at", "is", null)
        .execute();
    await due();
    expect(await relay.relayOnce()).toBe(1);
    expect(handled).toEqual(["3", "1"]);
    expect(await relay.relayOnce()).toBe(0);
    const audit = await database
      .selectFrom("audit_log")
      .select("action")
      .where("tenant_id", "=", "ten_events")
      .execute();
    expect(audit).toHaveLength(2);

    // An event no subscriber can ever take is given up after its attempts, its error kept.
    await database.transaction().execute(async (tx) => {
      await recordEvent(tx, { tenantId: "ten_events", type: "thing.happened", payload: { n: 9 } });
    });
    for (let attempt = 0; attempt < 8; attempt++) {
      await due();
      expect(await relay.relayOnce()).toBe(0);
    }
    const givenUp = await database
      .selectFrom("outbox")
      .select(["relay_attempts", "relay_error", "relayed_at"])
      .where("tenant_id", "=", "ten_events")
      .where("relay_error", "=", "always broken")
      .executeTakeFirstOrThrow();
    expect(givenUp.relay_attempts).toBe(8);
    expect(givenUp.relayed_at).not.toBeNull();
  });

  it("hands batch subscribers their events of a pass at once, in commit order, after per-event subscribers", async () => {
    const database = db().db;
    await database
      .insertInto("tenants")
      .values({
        tenant_id: "ten_batch",
        slug: "batch",
        name: "B",
        currency: "CNY",
        time_zone: "UTC",
        settings: "{}",
      })
      .execute();
    const relay = new EventRelay(database, silent);
    const calls: string[] = [];
    relay.subscribe("order.created", async (event) => {
      calls.push(`single:${String(event.payload.n)}`);
    });
    relay.subscribeBatch(["order.created", "order.cancelled"], async (events) => {
      calls.push(`batch:${events.map((e) => `${e.type.split(".")[1]}${String(e.payload.n)}`).join(",")}`);
    });
    const record = (type: string, n: number) =>
      database
        .transaction()
        .execute((tx) => recordEvent(tx, { tenantId: "ten_batch", type, payload: { n } }));
    await record("order.created", 1);
    await record("order.cancelled", 1);
    await record("order.created", 2);
    await record("member.joined", 3);
    expect(await relay.relayOnce()).toBe(4);
    expect(calls).toEqual(["single:1", "single:2", "batch:created1,cancelled1,created2"]);
    expect(await relay.relayOnce()).toBe(0);
  });
});
