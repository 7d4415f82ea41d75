import { expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { useEnclave } from "../support/harness.ts";

describeEachDatabase("Idempotency-Key", (db) => {
  const h = useEnclave(db);

  it("replays the first response for a retry and does the work once", async () => {
    const brand = await h().newBrand();
    const body = { phone: "13900000001", channel: "api" };
    const headers = { "idempotency-key": "join-1" };
    const first = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body,
      headers,
    });
    const retry = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body,
      headers,
    });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.member_id).toBe(first.body.member_id);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    const list = await h().api<{ items: unknown[] }>("GET", "/v1/members", { token: brand.readKey });
    expect(list.body.items).toHaveLength(1);
  });

  it("replays an error response too", async () => {
    const brand = await h().newBrand();
    await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13900000002", channel: "api" },
    });
    const headers = { "idempotency-key": "dup-join" };
    const body = { phone: "13900000002", channel: "web" };
    const first = await h().api("POST", "/v1/members", { token: brand.writeKey, body, headers });
    const retry = await h().api("POST", "/v1/members", { token: brand.writeKey, body, headers });
    expect(first.status).toBe(409);
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ code: "conflict", existing_member_id: expect.any(String) });
    expect(retry.headers["idempotent-replayed"]).toBe("true");
  });

  it("refuses the same key with a different body with 422", async () => {
    const brand = await h().newBrand();
    const headers = { "idempotency-key": "k-1" };
    await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13900000003", channel: "api" },
      headers,
    });
    const other = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13900000004", channel: "api" },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: "/problems/idempotency-key-reused" });
  });

  it("keeps keys per brand: another brand may use the same key", async () => {
    const a = await h().newBrand();
    const b = await h().newBrand();
    const headers = { "idempotency-key": "shared" };
    const ra = await h().api("POST", "/v1/members", {
      token: a.writeKey,
      body: { phone: "13900000005", channel: "api" },
      headers,
    });
    const rb = await h().api("POST", "/v1/members", {
      token: b.writeKey,
      body: { phone: "13900000006", channel: "api" },
      headers,
    });
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    expect(rb.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("answers a concurrent retry of a running request with 409, then the result", async () => {
    const brand = await h().newBrand();
    const headers = { "idempotency-key": "parallel" };
    const body = { phone: "13900000007", channel: "api" };
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        h().api<{ member_id?: string }>("POST", "/v1/members", { token: brand.writeKey, body, headers }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = new Set(results.filter((r) => r.status === 201).map((r) => r.body.member_id));
    expect(created.size).toBe(1);
    const list = await h().api<{ items: unknown[] }>("GET", "/v1/members", { token: brand.readKey });
    expect(list.body.items).toHaveLength(1);
  });

  it("does not consume a key on a request that failed validation", async () => {
    const brand = await h().newBrand();
    const headers = { "idempotency-key": "fix-and-retry" };
    const bad = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13900000008" },
      headers,
    });
    expect(bad.status).toBe(400);
    const fixed = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13900000008", channel: "api" },
      headers,
    });
    expect(fixed.status).toBe(201);
  });

  it("rejects a malformed key", async () => {
    const brand = await h().newBrand();
    const res = await h().api("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13900000009", channel: "api" },
      headers: { "idempotency-key": "x".repeat(300) },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: "/idempotency-key" });
  });
});
