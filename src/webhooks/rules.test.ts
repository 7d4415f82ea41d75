import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { refusedAddress, refusedUrl } from "./addresses.ts";
import { matchesEventType, nextAttemptAt, RETRY_BACKOFF_SECONDS } from "./rules.ts";
import { isWebhookSecret, newWebhookSecret, signedHeaders } from "./signature.ts";

describe("event type patterns", () => {
  it("matches exact types, families and everything", () => {
    expect(matchesEventType(["order.created"], "order.created")).toBe(true);
    expect(matchesEventType(["order.created"], "order.refunded")).toBe(false);
    expect(matchesEventType(["member.*"], "member.joined")).toBe(true);
    expect(matchesEventType(["member.*"], "membership.joined")).toBe(false);
    expect(matchesEventType(["tier.*", "points.*"], "points.expired")).toBe(true);
    expect(matchesEventType(["*"], "campaign.completed")).toBe(true);
    expect(matchesEventType([], "member.joined")).toBe(false);
  });
});

describe("retry schedule", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  it("backs off 5 s, 30 s, 2 min, 10 min, 1 h, … and stops at the endpoint's attempts", () => {
    const waits = [1, 2, 3, 4, 5].map(
      (n) => ((nextAttemptAt(n, 8, now)?.getTime() ?? 0) - now.getTime()) / 1_000,
    );
    expect(waits).toEqual([5, 30, 120, 600, 3_600]);
    expect(nextAttemptAt(8, 8, now)).toBeNull();
    expect(nextAttemptAt(1, 1, now)).toBeNull();
  });
  it("never waits less than the previous wait, and repeats the last step beyond the table", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 18 }), (n) => {
        const a = nextAttemptAt(n, 20, now)?.getTime() ?? 0;
        const b = nextAttemptAt(n + 1, 20, now)?.getTime() ?? Number.POSITIVE_INFINITY;
        return b >= a && b - now.getTime() <= (RETRY_BACKOFF_SECONDS.at(-1) ?? 0) * 1_000;
      }),
    );
  });
});

describe("SSRF guard", () => {
  it.each([
    "127.0.0.1",
    "127.8.8.8",
    "10.0.0.1",
    "172.16.5.4",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.10.10",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
  ])("refuses %s by default and allows it for the operator", (address) => {
    expect(refusedAddress(address, false)).toBeDefined();
    expect(refusedAddress(address, true)).toBeUndefined();
  });
  it.each(["169.254.169.254", "fd00:ec2::254", "100.100.100.200"])(
    "always refuses metadata %s",
    (address) => {
      expect(refusedAddress(address, true)).toContain("metadata");
    },
  );
  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111"])("allows public %s", (address) => {
    expect(refusedAddress(address, false)).toBeUndefined();
  });
  it("checks URLs before any lookup: scheme, credentials, literal and loopback hosts", () => {
    expect(refusedUrl("https://hooks.example.com/x", false)).toBeUndefined();
    expect(refusedUrl("ftp://hooks.example.com/x", false)).toBe("must be http or https");
    expect(refusedUrl("https://user:pw@hooks.example.com/x", false)).toBe("must not carry credentials");
    expect(refusedUrl("http://[::1]:8080/x", false)).toContain("loopback");
    expect(refusedUrl("http://localhost:8080/x", false)).toContain("loopback");
    expect(refusedUrl("http://api.localhost/x", false)).toContain("loopback");
    expect(refusedUrl("not a url", false)).toBe("not an absolute URL");
  });
});

describe("Standard Webhooks signatures", () => {
  it("are accepted by the official library for any body, and refused once the body changes", () => {
    const secret = newWebhookSecret();
    expect(isWebhookSecret(secret)).toBe(true);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (text) => {
        const body = JSON.stringify({ type: "member.joined", data: { text } });
        const headers = signedHeaders("evt_1", new Date(), body, [secret]);
        expect(new Webhook(secret).verify(body, { ...headers })).toBeTruthy();
        expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
      }),
      { numRuns: 50 },
    );
  });
  it("carry one signature per secret, each verifiable alone", () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const body = "{}";
    const headers = signedHeaders("evt_2", new Date(), body, [a, b]);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(a).verify(body, { ...headers })).toEqual({});
    expect(new Webhook(b).verify(body, { ...headers })).toEqual({});
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
  });
});
