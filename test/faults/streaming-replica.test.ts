import { afterAll, describe, expect, it } from "vitest";
import { type Cluster, PG_BIN, query, startCluster, startStandby } from "../support/postgres-cluster.ts";
import { cli, type RunningServer, startServer } from "../support/process.ts";

/**
 * Analytics on a real streaming replica (docs/scaling.md, step 4): a private primary and a hot standby made from it
 * with pg_basebackup, Enclave writing to the one and reading its reports from the other. A standby refuses every
 * write, so each report answering proves it reads only; the orders written on the primary reach the reports once
 * replayed; and with the standby stopped the reports are refused (503) while the primary goes on taking writes.
 */

const REPORTS = ["membership", "lifecycle", "sales", "points", "cohorts", "ltv", "overview"];

describe.runIf(PG_BIN !== undefined || process.env.CI)(
  "analytics on a streaming replica",
  { timeout: 300_000 },
  () => {
    let primary: Cluster | undefined;
    let standby: Cluster | undefined;
    let server: RunningServer | undefined;
    afterAll(async () => {
      await server?.stop("SIGKILL");
      standby?.remove();
      primary?.remove();
    });

    it("serves every report from the standby and counts what the primary wrote once it is replayed", async () => {
      expect(PG_BIN, "PostgreSQL server binaries").toBeDefined();
      primary = await startCluster();
      await query(primary.url("postgres"), "CREATE DATABASE enclave");
      standby = await startStandby(primary);
      const [recovery] = await query<{ standby: boolean }>(
        standby.url("enclave"),
        "SELECT pg_is_in_recovery() AS standby",
      );
      expect(recovery?.standby, "the replica is a hot standby").toBe(true);

      const env = {
        DATABASE_URL: primary.url("enclave"),
        DATABASE_READ_URL: standby.url("enclave"),
        ENCLAVE_DEMO: "false",
      };
      // The command line writes: it needs only the primary.
      const primaryEnv = { DATABASE_URL: env.DATABASE_URL, ENCLAVE_DEMO: "false" };
      expect(
        (await cli(["tenant", "create", "--slug", "rep", "--name", "Replica Tea", "--json"], primaryEnv))
          .code,
      ).toBe(0);
      const key = await cli(
        ["apikey", "create", "--tenant", "rep", "--name", "pos", "--scope", "write", "--json"],
        primaryEnv,
      );
      const token = JSON.parse(key.stdout).key as string;
      server = await startServer(env);
      const running = server;
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${running.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { "content-type": "application/json" } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };

      const member = await call("POST", "/v1/members", { phone: "13600000001", channel: "pos" });
      expect(member.status).toBe(201);
      const orders = Array.from({ length: 500 }, (_, i) => ({
        channel: "pos",
        external_id: `rep-${i}`,
        member: { member_id: member.body.member_id },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 1_800 }],
        paid_minor: 1_800,
      }));
      const ingested = await call("POST", "/v1/orders/batch", { orders });
      expect(ingested.status, JSON.stringify(ingested.body).slice(0, 500)).toBe(200);

      // The standby replays the primary's WAL within moments; the report follows it there.
      await expect
        .poll(async () => (await call("GET", "/v1/audience/analytics/sales")).body.orders, {
          timeout: 30_000,
          interval: 100,
        })
        .toBe(500);
      for (const report of REPORTS) {
        const res = await call("GET", `/v1/audience/analytics/${report}`);
        expect(res.status, `${report}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
      }
      // The reports really come from the standby: with it gone they are refused cleanly, and writes go on.
      standby.stop("immediate");
      const away = await call("GET", "/v1/audience/analytics/sales");
      expect(away.status, JSON.stringify(away.body)).toBe(503);
      expect(away.body.code).toBe("unavailable");
      expect((await call("POST", "/v1/members", { phone: "13600000002", channel: "pos" })).status).toBe(201);
      // A write sent to the standby would have failed; the primary holds the orders.
      const [written] = await query<{ n: number }>(
        primary.url("enclave"),
        "SELECT count(*)::int AS n FROM orders",
      );
      expect(written?.n).toBe(500);
    });
  },
);
