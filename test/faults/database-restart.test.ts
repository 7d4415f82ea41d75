import { afterAll, describe, expect, it } from "vitest";
import { type Cluster, PG_BIN, query, startCluster } from "../support/postgres-cluster.ts";
import { cli, type RunningServer, startServer } from "../support/process.ts";

/**
 * PostgreSQL restarted under load. A private cluster (initdb in a temporary folder, its own port) is restarted, so
 * the shared test server is never disturbed. While it is down requests fail cleanly (503 problem documents with
 * Retry-After, never a 500 or a dropped connection from a crashed server); afterwards the same process serves again
 * with no manual step, and what clients retried is counted once.
 */

describe.runIf(PG_BIN !== undefined || process.env.CI)(
  "PostgreSQL restarted mid-load",
  { timeout: 300_000 },
  () => {
    let database: Cluster | undefined;
    const servers: RunningServer[] = [];
    afterAll(async () => {
      for (const server of servers) await server.stop("SIGKILL");
      database?.remove();
    });

    it("answers 503 while the database is away and recovers on its own", async () => {
      expect(PG_BIN, "PostgreSQL server binaries").toBeDefined();
      database = await startCluster();
      await query(database.url("postgres"), "CREATE DATABASE enclave");

      const env = { DATABASE_URL: database.url("enclave"), ENCLAVE_DEMO: "false" };
      expect(
        (await cli(["tenant", "create", "--slug", "pgr", "--name", "Restart Tea", "--json"], env)).code,
      ).toBe(0);
      const key = await cli(
        ["apikey", "create", "--tenant", "pgr", "--name", "pos", "--scope", "write", "--json"],
        env,
      );
      const token = JSON.parse(key.stdout).key as string;
      const server = await startServer(env);
      servers.push(server);

      const statuses = new Map<number, number>();
      const problems = new Set<string>();
      let stop = false;
      let dropped = 0;
      let next = 0;
      const accepted = new Set<string>();
      // Clients open members, each retried until it is taken (an Idempotency-Key makes the retry safe).
      const client = async () => {
        while (!stop) {
          const n = next++;
          for (;;) {
            const res = await fetch(`${server.url}/v1/members`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${token}`,
                "content-type": "application/json",
                "idempotency-key": `join-${n}`,
              },
              body: JSON.stringify({ phone: `1360000${String(n).padStart(4, "0")}`, channel: "pos" }),
            }).catch(() => null);
            if (!res) {
              dropped++;
              break;
            }
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 201) {
              accepted.add(String(n));
              await res.arrayBuffer();
              break;
            }
            const text = await res.text();
            const body = JSON.parse(text) as { code?: string };
            problems.add(`${res.status} ${body.code} ${res.headers.get("retry-after") ?? ""}`);
            // Both say "come back shortly": the database is away, or an earlier attempt still holds the key.
            if (res.status !== 503 && res.status !== 409) break;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      const clients = Array.from({ length: 4 }, client);
      await new Promise((r) => setTimeout(r, 1_500));
      database.stop("fast");
      await new Promise((r) => setTimeout(r, 2_000));
      database.start();
      await new Promise((r) => setTimeout(r, 3_000));
      stop = true;
      await Promise.all(clients);

      expect(dropped, `the server stays up and answers:\n${server.output().slice(-2_000)}`).toBe(0);
      expect(statuses.get(503) ?? 0, "requests during the outage were refused").toBeGreaterThan(0);
      // Refusals say "come back in a second": the database is away, or an attempt cut off by the outage still
      // holds its key for a moment. Nothing else, and never a 500.
      expect(problems).toContain("503 unavailable 1");
      for (const problem of problems)
        expect(["503 unavailable 1", "409 idempotency-key-in-use 1"]).toContain(problem);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      const members = await query<{ n: number }>(env.DATABASE_URL, "SELECT count(*)::int AS n FROM members");
      expect(members[0]?.n).toBe(accepted.size);
    });
  },
);
