import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";

/**
 * `ENCLAVE_WORKERS=N`: N processes of `enclave start` share the HTTP port (node:cluster hands each new
 * connection to the next process). A Node process runs JavaScript on one core, so on a machine with more cores a
 * single process saturates long before PostgreSQL does (docs/benchmarks.md, checkout).
 *
 * One process, the "background" one, also runs the event relay, the jobs and the delivery loops, so events and
 * webhooks keep their per-member order as with a single process; the others only answer requests. A process that
 * dies after it started is replaced with the same role; one that dies before it ever listened stops the whole
 * server, as a failed start of a single process would.
 */
export const WORKER_ROLE_ENV = "ENCLAVE_WORKER_ROLE";
const SHUTDOWN_GRACE_MS = 20_000;
export type WorkerRole = "background" | "http";

/** This process's role: a lone process (no cluster) does everything. */
export function workerRole(): WorkerRole | "single" {
  if (cluster.isPrimary) return "single";
  return process.env[WORKER_ROLE_ENV] === "background" ? "background" : "http";
}

/** Forks the workers and returns; the primary then lives as long as they do. */
export function superviseWorkers(count: number, log: Logger): void {
  const roles = new Map<number, WorkerRole>();
  const listening = new Set<number>();
  let closing = false;

  const fork = (role: WorkerRole): Worker => {
    const worker = cluster.fork({ [WORKER_ROLE_ENV]: role });
    roles.set(worker.id, role);
    return worker;
  };

  cluster.on("listening", (worker) => listening.add(worker.id));
  cluster.on("exit", (worker, code, signal) => {
    const role = roles.get(worker.id) ?? "http";
    const started = listening.has(worker.id);
    roles.delete(worker.id);
    listening.delete(worker.id);
    if (closing) {
      if (roles.size === 0) process.exit(0);
      return;
    }
    if (!started) {
      log.error({ role, code, signal }, "a worker process failed to start; stopping");
      closing = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGTERM");
      if (roles.size === 0) process.exit(1);
      process.exitCode = 1;
      return;
    }
    log.warn({ role, code, signal }, "a worker process exited; starting another");
    fork(role);
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log.info({ signal, workers: roles.size }, "shutting down");
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    if (roles.size === 0) process.exit(0);
    // A process that does not finish its shutdown in time is stopped hard, so the server never outlives a stop.
    setTimeout(() => {
      log.error({ workers: roles.size }, "worker processes did not stop in time; killing them");
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  fork("background");
  for (let i = 1; i < count; i++) fork("http");
}
