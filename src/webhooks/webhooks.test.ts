import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { fixedClock } from "../platform/clock.ts";
import { deliverDueWebhooks, purgeDelivered } from "./deliveries.ts";
import { type Receiver, startReceiver } from "./receiver.test-support.ts";

interface EndpointBody {
  endpoint_id: string;
  secret: string;
  [key: string]: unknown;
}
interface DeliveryBody {
  delivery_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
}
interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const seconds = (n: number) => n * 1_000;

describeEachDatabase("Outgoing webhooks", (database) => {
  // Near real time, so receivers verify the signature timestamps (standardwebhooks allows 5 minutes of skew).
  const clock = fixedClock(new Date());
  const h = useEnclave(database, { clock });
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  const allowPrivate = (allowed: boolean) => {
    h().enclave.platform.config.webhooksAllowPrivate = allowed;
  };

  /** The relay copies events into deliveries; the delivery loop sends them (both driven by hand here). */
  async function deliverAll(): Promise<void> {
    const platform = h().enclave.platform;
    while ((await platform.events.relayOnce()) > 0);
    for (let i = 0; i < 50; i++) {
      const sent = await deliverDueWebhooks(platform.database.db, {
        allowPrivate: platform.config.webhooksAllowPrivate,
        now: () => clock.now(),
      });
      if (sent === 0) return;
    }
  }

  async function newEndpoint(brand: Brand, body: Record<string, unknown>): Promise<EndpointBody> {
    const res = await h().api<EndpointBody>("POST", "/v1/webhook-endpoints", {
      token: brand.ownerToken,
      body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  let phone = 0;
  async function join(brand: Brand): Promise<string> {
    const res = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: `1370000${String(++phone).padStart(4, "0")}`, channel: "api" },
    });
    expect(res.status).toBe(201);
    return res.body.member_id;
  }

  async function rename(brand: Brand, memberId: string, name: string): Promise<void> {
    const res = await h().api("PATCH", `/v1/members/${memberId}`, { token: brand.writeKey, body: { name } });
    expect(res.status).toBe(200);
  }

  const forMember = (memberId: string) =>
    receiver.received.filter(
      (r) => (JSON.parse(r.body) as { data: { member_id?: string } }).data.member_id === memberId,
    );

  it("refuses loopback, private and metadata targets unless the operator allows private ones", async () => {
    const brand = await h().newBrand();
    allowPrivate(false);
    for (const url of [
      "http://127.0.0.1:9/hooks",
      "http://localhost/hooks",
      "http://10.1.2.3/hooks",
      "http://[::1]/hooks",
      "http://[::ffff:192.168.1.1]/hooks",
      "http://169.254.169.254/latest/meta-data",
      "ftp://example.com/hooks",
    ]) {
      const res = await h().api("POST", "/v1/webhook-endpoints", {
        token: brand.ownerToken,
        body: { url, event_types: ["member.*"] },
      });
      expect(res.status, url).toBe(400);
      expect(res.body).toMatchObject({ code: "validation-failed", field: "/url" });
    }
    allowPrivate(true);
    const metadata = await h().api("POST", "/v1/webhook-endpoints", {
      token: brand.ownerToken,
      body: { url: "http://169.254.169.254/latest/meta-data", event_types: ["member.*"] },
    });
    expect(metadata.status).toBe(400);
    await newEndpoint(brand, { url: receiver.url, event_types: ["member.*"] });
  });

  it("refuses a target whose address became private after the endpoint was saved (checked at delivery)", async () => {
    allowPrivate(true);
    const brand = await h().newBrand();
    const endpoint = await newEndpoint(brand, { url: receiver.url, event_types: ["member.joined"] });
    allowPrivate(false);
    const before = receiver.received.length;
    await join(brand);
    await deliverAll();
    expect(receiver.received.length).toBe(before);
    const deliveries = await h().api<Page<DeliveryBody & { last_error: string }>>(
      "GET",
      `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries`,
      { token: brand.ownerToken },
    );
    expect(deliveries.body.items[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      last_status_code: null,
    });
    expect(deliveries.body.items[0]?.last_error).toContain("loopback");
    allowPrivate(true);
  });

  it("delivers subscribed events signed per Standard Webhooks, verifiable with the standardwebhooks library", async () => {
    allowPrivate(true);
    const brand = await h().newBrand();
    const endpoint = await newEndpoint(brand, { url: receiver.url, event_types: ["member.*"] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const memberId = await join(brand);
    await rename(brand, memberId, "Ada");
    await deliverAll();

    const got = forMember(memberId);
    expect(got.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
      "member.joined",
      "member.updated",
    ]);
    const verifier = new Webhook(endpoint.secret);
    for (const request of got) {
      const verified = verifier.verify(request.body, request.headers as Record<string, string>) as {
        type: string;
        timestamp: string;
        data: Record<string, unknown>;
      };
      expect(verified.data.member_id).toBe(memberId);
      expect(request.headers["webhook-id"]).toMatch(/^evt_/);
    }
    // Another brand's secret does not verify: the signature really depends on the key.
    const other = await newEndpoint(await h().newBrand(), { url: receiver.url, event_types: ["order.*"] });
    const first = got[0];
    if (!first) throw new Error("nothing received");
    expect(() =>
      new Webhook(other.secret).verify(first.body, first.headers as Record<string, string>),
    ).toThrow();

    const list = await h().api<Page<DeliveryBody>>(
      "GET",
      `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries`,
      {
        token: brand.readKey,
      },
    );
    expect(list.body.items.map((d) => [d.event_type, d.status, d.attempts])).toEqual([
      ["member.updated", "delivered", 1],
      ["member.joined", "delivered", 1],
    ]);
  });

  it("sends only the event types an endpoint subscribed to", async () => {
    allowPrivate(true);
    const brand = await h().newBrand();
    await newEndpoint(brand, { url: receiver.url, event_types: ["member.updated"] });
    const memberId = await join(brand);
    await rename(brand, memberId, "Bo");
    await deliverAll();
    expect(forMember(memberId).map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
      "member.updated",
    ]);
  });

  it("retries with backoff and keeps a member's events in order while an earlier one is retried", async () => {
    allowPrivate(true);
    const brand = await h().newBrand();
    await newEndpoint(brand, { url: receiver.url, event_types: ["member.*"] });
    const stubborn = await join(brand);
    const easy = await join(brand);
    await rename(brand, stubborn, "S1");
    await rename(brand, easy, "E1");
    // The receiver is down for the stubborn member's events only.
    let down = true;
    receiver.answer = ({ body }) =>
      down && body.includes(stubborn) ? { status: 503, body: "maintenance" } : { status: 204 };
    try {
      await deliverAll();
      // The easy member is unaffected; the stubborn member's rename waits behind its failed join.
      expect(forMember(easy).filter((r) => r.status === 204)).toHaveLength(2);
      expect(forMember(stubborn).map((r) => r.status)).toEqual([503]);

      clock.advance(seconds(4));
      await deliverAll();
      expect(forMember(stubborn)).toHaveLength(1); // not due before 5 s
      clock.advance(seconds(1));
      await deliverAll();
      expect(forMember(stubborn).map((r) => r.status)).toEqual([503, 503]);

      down = false;
      clock.advance(seconds(30));
      await deliverAll();
      const delivered = forMember(stubborn).filter((r) => r.status === 204);
      expect(delivered.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
        "member.joined",
        "member.updated",
      ]);
      // Every attempt of one event carries the same webhook-id, so receivers can drop duplicates.
      const ids = forMember(stubborn).map((r) => r.headers["webhook-id"]);
      expect(new Set(ids.slice(0, 3)).size).toBe(1);
    } finally {
      receiver.answer = () => ({ status: 204 });
    }
  });

  it("dead-letters after the endpoint's attempts, and replays one or all dead letters", async () => {
    allowPrivate(true);
    const brand = await h().newBrand();
    const endpoint = await newEndpoint(brand, {
      url: receiver.url,
      event_types: ["member.joined"],
      max_attempts: 2,
    });
    const a = await join(brand);
    const b = await join(brand);
    receiver.answer = ({ body }) =>
      body.includes(a) || body.includes(b) ? { status: 500 } : { status: 204 };
    try {
      await deliverAll();
      clock.advance(seconds(5));
      await deliverAll();
      const dead = await h().api<Page<DeliveryBody>>(
        "GET",
        `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries?status=dead`,
        { token: brand.ownerToken },
      );
      expect(dead.body.items.map((d) => [d.status, d.attempts, d.last_status_code])).toEqual([
        ["dead", 2, 500],
        ["dead", 2, 500],
      ]);
      clock.advance(seconds(3_600));
      await deliverAll();
      expect(forMember(a)).toHaveLength(2); // dead means no more attempts

      receiver.answer = () => ({ status: 200 });
      const [first] = dead.body.items;
      if (!first) throw new Error("no dead letter");
      const one = await h().api<DeliveryBody>(
        "POST",
        `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries/${first.delivery_id}/replay`,
        { token: brand.ownerToken },
      );
      expect(one.body).toMatchObject({ status: "pending", attempts: 0 });
      const again = await h().api(
        "POST",
        `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries/${first.delivery_id}/replay`,
        { token: brand.ownerToken },
      );
      expect(again.status).toBe(422);
      const all = await h().api("POST", `/v1/webhook-endpoints/${endpoint.endpoint_id}/replay-dead-letters`, {
        token: brand.ownerToken,
      });
      expect(all.body).toEqual({ replayed: 1 });
      await deliverAll();
      expect(forMember(a).at(-1)?.status).toBe(200);
      expect(forMember(b).at(-1)?.status).toBe(200);
      const left = await h().api<Page<DeliveryBody>>(
        "GET",
        `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries?status=dead`,
        { token: brand.ownerToken },
      );
      expect(left.body.items).toEqual([]);
    } finally {
      receiver.answer = () => ({ status: 204 });
    }
  });

  it("rotates the secret: both secrets sign during the grace period, only the new one after", async () => {
    allowPrivate(true);
    clock.set(new Date()); // signatures carry the clock's time; the library checks it against real time
    const brand = await h().newBrand();
    const endpoint = await newEndpoint(brand, { url: receiver.url, event_types: ["member.joined"] });
    const rotated = await h().api<EndpointBody & { previous_secret_expires_at: string }>(
      "POST",
      `/v1/webhook-endpoints/${endpoint.endpoint_id}/rotate-secret`,
      { token: brand.ownerToken, body: { keep_previous_hours: 1 } },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const during = await join(brand);
    await deliverAll();
    const [request] = forMember(during);
    if (!request) throw new Error("nothing received");
    const headers = request.headers as Record<string, string>;
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(() => new Webhook(endpoint.secret).verify(request.body, headers)).not.toThrow();
    expect(() => new Webhook(rotated.body.secret).verify(request.body, headers)).not.toThrow();

    // Rotating again without a grace period: only the newest secret signs from now on.
    const abrupt = await h().api<EndpointBody>(
      "POST",
      `/v1/webhook-endpoints/${endpoint.endpoint_id}/rotate-secret`,
      {
        token: brand.ownerToken,
        body: { keep_previous_hours: 0 },
      },
    );
    const after = await join(brand);
    await deliverAll();
    const [late] = forMember(after);
    if (!late) throw new Error("nothing received");
    const lateHeaders = late.headers as Record<string, string>;
    expect(lateHeaders["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(rotated.body.secret).verify(late.body, lateHeaders)).toThrow();
    expect(() => new Webhook(abrupt.body.secret).verify(late.body, lateHeaders)).not.toThrow();
  });

  it("manages endpoints per brand: another brand's endpoint is absent, read keys cannot change them", async () => {
    allowPrivate(true);
    const brand = await h().newBrand();
    const other = await h().newBrand();
    const endpoint = await newEndpoint(brand, {
      url: receiver.url,
      event_types: ["points.*", "tier.changed"],
    });
    expect(
      (await h().api("GET", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, { token: other.ownerToken }))
        .status,
    ).toBe(404);
    expect(
      (
        await h().api("PATCH", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, {
          token: brand.readKey,
          body: { enabled: false },
        })
      ).status,
    ).toBe(403);
    const bad = await h().api("PATCH", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, {
      token: brand.writeKey,
      body: { event_types: ["member.*", "Not An Event"] },
    });
    expect(bad.body).toMatchObject({ code: "validation-failed", field: "/event_types/1" });
    const patched = await h().api("PATCH", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, {
      token: brand.writeKey,
      body: { enabled: false, description: "paused" },
    });
    expect(patched.body).toMatchObject({
      enabled: false,
      description: "paused",
      event_types: ["points.*", "tier.changed"],
    });
    const listed = await h().api<{ items: Record<string, unknown>[] }>("GET", "/v1/webhook-endpoints", {
      token: brand.readKey,
    });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).not.toHaveProperty("secret");
    const removed = await h().api("DELETE", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, {
      token: brand.ownerToken,
    });
    expect(removed.status).toBe(200);
    expect(
      (await h().api("GET", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, { token: brand.ownerToken }))
        .status,
    ).toBe(404);
  });

  it("holds deliveries of a disabled endpoint and sends them once it is enabled again", async () => {
    allowPrivate(true);
    const brand = await h().newBrand();
    const endpoint = await newEndpoint(brand, { url: receiver.url, event_types: ["member.joined"] });
    await h().api("PATCH", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, {
      token: brand.ownerToken,
      body: { enabled: false },
    });
    const memberId = await join(brand);
    await deliverAll();
    expect(forMember(memberId)).toHaveLength(0);
    await h().api("PATCH", `/v1/webhook-endpoints/${endpoint.endpoint_id}`, {
      token: brand.ownerToken,
      body: { enabled: true },
    });
    await deliverAll();
    expect(forMember(memberId)).toHaveLength(1);
  });

  it("forgets delivered deliveries after 30 days and keeps dead letters", async () => {
    allowPrivate(true);
    clock.set(new Date());
    const brand = await h().newBrand();
    const endpoint = await newEndpoint(brand, {
      url: receiver.url,
      event_types: ["member.joined"],
      max_attempts: 1,
    });
    const kept = await join(brand);
    receiver.answer = ({ body }) => (body.includes(kept) ? { status: 500 } : { status: 204 });
    try {
      await join(brand);
      await deliverAll();
    } finally {
      receiver.answer = () => ({ status: 204 });
    }
    const list = async () =>
      (
        await h().api<Page<DeliveryBody>>("GET", `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries`, {
          token: brand.ownerToken,
        })
      ).body.items.map((d) => d.status);
    expect((await list()).sort()).toEqual(["dead", "delivered"]);
    const db = h().enclave.platform.database.db;
    await purgeDelivered(db, new Date(clock.now().getTime() + 29 * 86_400_000));
    expect(await list()).toHaveLength(2);
    await purgeDelivered(db, new Date(clock.now().getTime() + 31 * 86_400_000));
    expect(await list()).toEqual(["dead"]);
  });
});
