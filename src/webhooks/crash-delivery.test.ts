import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { databaseKinds, freshDatabase } from "../../test/support/databases.ts";
import { cli, type RunningServer, startServer } from "../../test/support/process.ts";
import { type Receiver, startReceiver } from "./receiver.test-support.ts";

const MEMBERS = 6;
/** Each member: joined, then four updates of different fields, so the order is visible in the payloads. */
const UPDATES = [{ name: "Ada" }, { region: "Shanghai" }, { gender: "female" }, { birthday: "1990-05-06" }];
const EVENTS_PER_MEMBER = 1 + UPDATES.length;
/** Slow enough that a kill always finds deliveries in flight. */
const RECEIVER_DELAY_MS = 400;

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Arrival {
  id: string;
  member: string;
  label: string;
}

function arrivals(receiver: Receiver): Arrival[] {
  return receiver.received.map((r) => {
    const body = JSON.parse(r.body) as { type: string; data: { member_id: string; fields?: string[] } };
    return {
      id: String(r.headers["webhook-id"]),
      member: body.data.member_id,
      label: body.type === "member.updated" ? `updated:${(body.data.fields ?? []).join(",")}` : body.type,
    };
  });
}

describe.each(databaseKinds())("webhook delivery survives kill -9 [%s]", { timeout: 240_000 }, (kind) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it("delivers every event at least once, in order per member, across a crash mid-delivery", async () => {
    let env: Record<string, string> = { ENCLAVE_DEMO: "false", ENCLAVE_WEBHOOKS_ALLOW_PRIVATE: "true" };
    if (kind === "postgres") {
      const fresh = await freshDatabase("postgres");
      await fresh.database.close();
      cleanups.push(() => fresh.dispose());
      env = { ...env, DATABASE_URL: fresh.url ?? "" };
    } else {
      const dir = mkdtempSync(join(tmpdir(), "enclave-crash-"));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      env = { ...env, ENCLAVE_DATA_DIR: dir };
    }
    expect(
      (await cli(["tenant", "create", "--slug", "crash", "--name", "Crash Tea", "--json"], env)).code,
    ).toBe(0);
    const key = await cli(
      ["apikey", "create", "--tenant", "crash", "--name", "k", "--scope", "write", "--json"],
      env,
    );
    expect(key.code, key.stderr).toBe(0);
    const token = (JSON.parse(key.stdout) as { key: string }).key;

    const receiver = await startReceiver(() => ({ status: 204, delayMs: RECEIVER_DELAY_MS }));
    cleanups.push(() => receiver.close());
    let server: RunningServer = await startServer(env);
    cleanups.push(() => server.stop("SIGKILL").then(() => undefined));
    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      expect(res.status, JSON.stringify(json)).toBeLessThan(300);
      return json;
    };

    await call("POST", "/v1/webhook-endpoints", { url: receiver.url, event_types: ["member.*"] });
    const members: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const joined = await call("POST", "/v1/members", {
        phone: `1350000${String(i).padStart(4, "0")}`,
        channel: "api",
      });
      members.push(String(joined.member_id));
    }
    for (const update of UPDATES) {
      for (const member of members) await call("PATCH", `/v1/members/${member}`, update);
    }
    const total = MEMBERS * EVENTS_PER_MEMBER;

    // Kill the server while deliveries are on the wire, well before all have arrived.
    await until(
      "deliveries in flight",
      () => receiver.inFlight() > 0 && receiver.received.length >= MEMBERS,
      60_000,
    );
    const beforeKill = new Set(arrivals(receiver).map((a) => a.id)).size;
    expect(await server.stop("SIGKILL")).toBeNull();
    expect(beforeKill).toBeLessThan(total);

    server = await startServer(env);
    await until(
      "every event to arrive",
      () => new Set(arrivals(receiver).map((a) => a.id)).size === total,
      120_000,
    );

    // What was on the wire at the kill was never acknowledged, so it came again once its lease ran out.
    expect(receiver.received.length).toBeGreaterThan(total);
    const expected = ["member.joined", ...UPDATES.map((u) => `updated:${Object.keys(u).join(",")}`)];
    for (const member of members) {
      // First arrivals, in arrival order: a redelivery after the crash may repeat an event, never reorder them.
      const seen = new Set<string>();
      const firsts = arrivals(receiver).filter(
        (a) => a.member === member && !seen.has(a.id) && seen.add(a.id),
      );
      expect(
        firsts.map((a) => a.label),
        member,
      ).toEqual(expected);
      // A repeat only ever repeats the latest event already seen (the one in flight at the crash).
      const labels = arrivals(receiver)
        .filter((a) => a.member === member)
        .map((a) => a.label);
      const collapsed = labels.filter((label, i) => label !== labels[i - 1]);
      expect(collapsed, member).toEqual(expected);
    }
    await server.stop();
  });
});
