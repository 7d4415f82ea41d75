import { readFileSync } from "node:fs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freshDatabase } from "../support/databases.ts";
import { cli, type RunningServer, startServer } from "../support/process.ts";

/** The pids of a process's children, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(/\s+/).map(Number);
}

/** CPU time a process has used, in clock ticks (user + system, /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

async function until<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("ENCLAVE_WORKERS: several server processes sharing the port", { timeout: 180_000 }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("refuses more than one process on the embedded database, with a clear message", async () => {
    const result = await cli(["start"], { ENCLAVE_WORKERS: "2", DATABASE_URL: "", ENCLAVE_DEMO: "false" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ENCLAVE_WORKERS above 1 needs DATABASE_URL");
  });

  it.runIf(inject("postgresTemplate"))(
    "serves from two processes, replaces one that is killed, and stops them all on SIGTERM",
    async () => {
      const handle = await freshDatabase("postgres");
      cleanups.push(() => handle.dispose());
      const url = handle.url ?? "";
      await handle.database.close();
      const server: RunningServer = await startServer({
        DATABASE_URL: url,
        ENCLAVE_WORKERS: "2",
        ENCLAVE_DEMO: "false",
      });
      cleanups.push(() => server.stop("SIGKILL"));
      const primary = server.process.pid ?? 0;
      const workers = await until(
        () => childrenOf(primary),
        (pids) => pids.length === 2,
      );

      // The banner is printed once, by the process that also relays and runs jobs.
      await until(
        () => server.output(),
        (out) => out.includes("Processes      2"),
      );
      expect(server.output().split("Enclave is running").length - 1).toBe(1);

      const created = await cli(["tenant", "create", "--slug", "w2", "--name", "W2", "--json"], {
        DATABASE_URL: url,
      });
      expect(created.code, created.stderr).toBe(0);
      const key = await cli(
        ["apikey", "create", "--tenant", "w2", "--name", "k", "--scope", "write", "--json"],
        {
          DATABASE_URL: url,
        },
      );
      const apiKey = (JSON.parse(key.stdout) as { key: string }).key;
      const join = (i: number) =>
        fetch(`${server.url}/v1/members`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ phone: `+8613800${String(i).padStart(6, "0")}`, channel: "web" }),
        });
      const before = workers.map(cpuTicks);
      const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => join(i).then((r) => r.status)));
      expect(statuses.every((s) => s === 201)).toBe(true);
      // Both processes answer requests (connections are handed out in turn).
      for (let round = 0; round < 10; round++)
        await Promise.all(
          Array.from({ length: 20 }, () =>
            fetch(`${server.url}/v1/members?limit=50`, {
              headers: { authorization: `Bearer ${apiKey}` },
            }).then((r) => r.arrayBuffer()),
          ),
        );
      const used = workers.map((pid, i) => cpuTicks(pid) - (before[i] ?? 0));
      expect(used.every((ticks) => ticks > 0)).toBe(true);

      // One process dies: the server goes on answering and a new process takes its place.
      process.kill(workers[1] ?? 0, "SIGKILL");
      const replaced = await until(
        () => childrenOf(primary),
        (pids) => pids.length === 2 && !pids.includes(workers[1] ?? 0),
      );
      expect(replaced).toContain(workers[0]);
      const after = await until(
        () => join(100).then((r) => r.status),
        (status) => status === 201,
      );
      expect(after).toBe(201);
      const list = await fetch(`${server.url}/v1/members?limit=100`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(41);

      expect(await server.stop("SIGTERM")).toBe(0);
      for (const pid of replaced) expect(() => process.kill(pid, 0)).toThrow();
    },
  );
});
