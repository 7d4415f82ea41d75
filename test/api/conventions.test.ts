import { expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { useEnclave } from "../support/harness.ts";

describeEachDatabase("API conventions", (db) => {
  const h = useEnclave(db);

  it("answers malformed JSON with a 400 problem, not a 500", async () => {
    const brand = await h().newBrand();
    const res = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      rawBody: '{"phone":',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.body).toMatchObject({ type: "/problems/malformed-json", status: 400, code: "malformed-json" });
  });

  it("names the field at fault for wrong types, missing and unknown fields", async () => {
    const brand = await h().newBrand();
    const wrongType = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: 138, channel: "web" },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ type: "/problems/validation-failed", field: "/phone" });

    const missing = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13812345678" },
    });
    expect(missing.body).toMatchObject({
      field: "/channel",
      errors: [{ in: "body", field: "/channel", message: "is required" }],
    });

    const unknown = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13812345678", channel: "web", nickname: "x" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ field: "/nickname" });

    // Nothing was written by any of them.
    const list = await h().api<{ items: unknown[] }>("GET", "/v1/members", { token: brand.readKey });
    expect(list.body.items).toHaveLength(0);
  });

  it("says in words what a patterned field wants, not its regular expression", async () => {
    const brand = await h().newBrand();
    const time = await h().api("PATCH", "/v1/messaging/settings", {
      token: brand.ownerToken,
      body: { quiet_hours: { start: "9pm", end: "07:00" } },
    });
    expect(time.status).toBe(400);
    expect(time.body).toMatchObject({
      errors: [{ in: "body", field: "/quiet_hours/start", message: "must look like 21:00" }],
    });
    const code = await h().api("POST", "/v1/tiers", {
      token: brand.ownerToken,
      body: { code: "Plus Month", name: "Plus", kind: "paid", rank: 45 },
    });
    expect(code.body).toMatchObject({
      errors: [{ field: "/code", message: "may hold only letters, digits and _ -" }],
    });
  });

  it("rejects an invalid phone number with the field, and never stores it", async () => {
    const brand = await h().newBrand();
    const res = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "12345", channel: "web" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: "/phone" });
  });

  it("refuses oversized bodies with 413 and non-JSON bodies with 415", async () => {
    const brand = await h().newBrand();
    const big = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      rawBody: JSON.stringify({ phone: "13812345678", channel: "web", name: "x".repeat(2 * 1024 * 1024) }),
      headers: { "content-type": "application/json" },
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ type: "/problems/payload-too-large" });
    const text = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      rawBody: "phone=1",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ code: "unsupported-media-type" });
  });

  it("rejects a cursor it did not issue", async () => {
    const brand = await h().newBrand();
    const res = await h().api("GET", "/v1/members?cursor=not-a-cursor", { token: brand.readKey });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: "/problems/invalid-cursor", field: "/cursor" });
  });

  it("pages through a list with cursors, every item once", async () => {
    const brand = await h().newBrand();
    for (let i = 0; i < 7; i++) {
      const res = await h().api("POST", "/v1/members", {
        token: brand.writeKey,
        body: { phone: `1381234000${i}`, channel: "api" },
      });
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { member_id: string }[]; next_cursor: string | null } } = await h().api(
        "GET",
        `/v1/members?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        { token: brand.readKey },
      );
      seen.push(...page.body.items.map((m) => m.member_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it("echoes a request id, or makes one", async () => {
    const given = await h().api("GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(given.headers["x-request-id"]).toBe("abc-123");
    const made = await h().api("GET", "/healthz");
    expect(String(made.headers["x-request-id"])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers unknown routes with a not-found problem", async () => {
    const res = await h().api("GET", "/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: "/problems/not-found" });
  });

  it("serves an OpenAPI 3.1 document that lists the routes with their schemas", async () => {
    const res = await h().api<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>("GET", "/openapi.json");
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.paths["/v1/members"]?.post?.requestBody).toBeDefined();
    const docs = await h().api("GET", "/docs");
    expect([200, 302]).toContain(docs.status);
  });

  it("is healthy and ready", async () => {
    expect((await h().api("GET", "/healthz")).body).toEqual({ status: "ok" });
    expect((await h().api("GET", "/readyz")).body).toEqual({ status: "ready" });
  });

  it("describes each problem type at its type URI", async () => {
    const res = await h().api("GET", "/problems/idempotency-key-reused");
    expect(res.body).toMatchObject({ code: "idempotency-key-reused", status: 422 });
  });
});
