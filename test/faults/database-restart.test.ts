import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { cli, freePort, type RunningServer, startServer } from "../support/process.ts";

/**
 * PostgreSQL restarted under load. A private cluster (initdb in a temporary folder, its own port) is restarted, so
 * the shared test server is never disturbed. While it is down requests fail cleanly (503 problem documents with
 * Retry-After, never a 500 or a dropped connection from a crashed server); afterwards the same process serves again
 * with no manual step, and what clients retried is counted once.
 */

const PG_BIN = ["17", "16", "15", "14"]
  .map((v) => `/usr/lib/postgresql/${v}/bin`)
  .find((dir) => existsSync(join(dir, "initdb")));

function asPostgres(command: string, args: string[]): void {
  execFileSync("runuser", ["-u", "postgres", "--", join(PG_BIN ?? "", command), ...args], { stdio: "pipe" });
}

describe.runIf(PG_BIN !== undefined || process.env.CI)(
  "PostgreSQL restarted mid-load",
  { timeout: 300_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "enclave-pg-"));
    const servers: RunningServer[] = [];
    afterAll(async () => {
      for (const server of servers) await server.stop("SIGKILL");
      try {
        asPostgres("pg_ctl", ["-D", dir, "-m", "immediate", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it("answers 503 while the database is away and recovers on its own", async () => {
      expect(PG_BIN, "PostgreSQL server binaries").toBeDefined();
      chownSync(
        dir,
        Number(execFileSync("id", ["-u", "postgres"]).toString()),
        Number(execFileSync("id", ["-g", "postgres"]).toString()),
      );
      asPostgres("initdb", ["-D", dir, "-A", "trust", "-U", "postgres", "--no-sync"]);
      const port = await freePort();
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
      asPostgres("pg_ctl", ["-D", dir, "-o", options, "-w", "-l", join(dir, "log"), "start"]);
      const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await admin.connect();
      await admin.query("CREATE DATABASE enclave");
      await admin.end();

      const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/enclave`, ENCLAVE_DEMO: "false" };
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
      asPostgres("pg_ctl", ["-D", dir, "-m", "fast", "-w", "stop"]);
      await new Promise((r) => setTimeout(r, 2_000));
      asPostgres("pg_ctl", ["-D", dir, "-o", options, "-w", "-l", join(dir, "log"), "start"]);
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
      const db = new pg.Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      const members = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM members");
      await db.end();
      expect(members.rows[0]?.n).toBe(accepted.size);
    });
  },
);
