import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freshDatabase } from "../support/databases.ts";
import { cli, type RunningServer, startServer } from "../support/process.ts";

async function call(
  server: RunningServer,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe("the real server process, driven through the CLI and HTTP", { timeout: 180_000 }, () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop("SIGKILL");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "enclave-e2e-"));
    dirs.push(dir);
    return dir;
  };

  it("on the embedded database: CLI creates a brand and a key, the server serves them", async () => {
    const env = { ENCLAVE_DATA_DIR: tempDir(), ENCLAVE_DEMO: "false" };
    const tenant = await cli(["tenant", "create", "--slug", "e2e", "--name", "E2E Tea", "--json"], env);
    expect(tenant.code, tenant.stderr).toBe(0);
    const key = await cli(
      ["apikey", "create", "--tenant", "e2e", "--name", "shop", "--scope", "write", "--json"],
      env,
    );
    expect(key.code, key.stderr).toBe(0);
    const apiKey = JSON.parse(key.stdout).key as string;
    const staff = await cli(
      [
        "staff",
        "create",
        "--tenant",
        "e2e",
        "--email",
        "boss@e2e.test",
        "--name",
        "Boss",
        "--password",
        "boss-password-1",
        "--json",
      ],
      env,
    );
    expect(staff.code, staff.stderr).toBe(0);

    const server = await startServer(env);
    servers.push(server);
    expect(server.output()).toContain("/docs");

    // While the server holds the embedded database, the CLI says so instead of corrupting it.
    const busy = await cli(["tenant", "list"], env);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("in use by process");

    const joined = await call(
      server,
      "POST",
      "/v1/members",
      apiKey,
      { phone: "13800138000", channel: "pos" },
      { "idempotency-key": "e2e-1" },
    );
    expect(joined.status).toBe(201);
    const again = await call(
      server,
      "POST",
      "/v1/members",
      apiKey,
      { phone: "13800138000", channel: "pos" },
      { "idempotency-key": "e2e-1" },
    );
    expect(again.body.member_id).toBe(joined.body.member_id);
    const fetched = await call(server, "GET", `/v1/members/${String(joined.body.member_id)}`, apiKey);
    expect(fetched.body).toMatchObject({ phone: "+8613800138000", join_channel: "pos" });
    const bad = await call(server, "POST", "/v1/members", apiKey, { phone: "13800138001", channel: 5 });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");

    const login = await fetch(`${server.url}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: "e2e", email: "boss@e2e.test", password: "boss-password-1" }),
    });
    expect(login.status).toBe(200);

    expect(await server.stop()).toBe(0);
    // Data survives a restart.
    const restarted = await startServer(env);
    servers.push(restarted);
    expect(
      (await call(restarted, "GET", `/v1/members/${String(joined.body.member_id)}`, apiKey)).status,
    ).toBe(200);
    await restarted.stop();
  });

  it("first start with the demo on: a ready brand to sign in to", async () => {
    const server = await startServer({ ENCLAVE_DATA_DIR: tempDir(), ENCLAVE_DEMO: "true" }, 180_000);
    servers.push(server);
    const login = await fetch(`${server.url}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: "demo", email: "owner@demo.enclave.dev", password: "enclave-demo" }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const page = await call(server, "GET", "/v1/members?limit=500", token);
    expect((page.body.items as unknown[]).length).toBe(500);
    expect(page.body.next_cursor).not.toBeNull();
    const check = await call(server, "GET", "/v1/points/check", token);
    expect(check.body).toMatchObject({ ok: true, problems: [] });
    expect(check.body.entries as number).toBeGreaterThan(10_000);
    const liability = await call(server, "GET", "/v1/points/liability", token);
    expect(liability.body.outstanding as number).toBeGreaterThan(0);
    const orders = await call(server, "GET", "/v1/orders?limit=200", token);
    expect(
      new Set((orders.body.items as { channel: string }[]).map((o) => o.channel)).size,
    ).toBeGreaterThanOrEqual(3);
    const units = await call(server, "GET", "/v1/org-units", token);
    expect((units.body.items as { kind: string }[]).filter((u) => u.kind === "store").length).toBe(12);
    await server.stop();
  });

  it.runIf(inject("postgresTemplate"))("on PostgreSQL: the CLI works beside the running server", async () => {
    const fresh = await freshDatabase("postgres");
    await fresh.database.close();
    const env = { DATABASE_URL: fresh.url ?? "", ENCLAVE_DEMO: "false" };
    try {
      const server = await startServer(env);
      servers.push(server);
      expect((await cli(["tenant", "create", "--slug", "pg-e2e", "--name", "PG", "--json"], env)).code).toBe(
        0,
      );
      const key = await cli(["apikey", "create", "--tenant", "pg-e2e", "--name", "k", "--json"], env);
      const apiKey = JSON.parse(key.stdout).key as string;
      const joined = await call(server, "POST", "/v1/members", apiKey, {
        phone: "13800138002",
        channel: "pos",
      });
      expect(joined.status).toBe(201);
      expect((await cli(["migrate", "--json"], env)).stdout).toContain('"applied":[]');
      await server.stop();
    } finally {
      await fresh.dispose().catch(() => undefined);
    }
  });

  it("prints help for every command", async () => {
    for (const args of [
      ["--help"],
      ["start", "--help"],
      ["migrate", "--help"],
      ["demo", "--help"],
      ["tenant", "create", "--help"],
      ["apikey", "create", "--help"],
      ["staff", "create", "--help"],
    ]) {
      const res = await cli(args, {});
      expect(res.code, args.join(" ")).toBe(0);
      expect(res.stdout).toContain("Usage: enclave");
    }
  });
});
