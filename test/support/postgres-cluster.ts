// Private PostgreSQL clusters for the fault tests: initdb in a temporary folder on a port of their own, so the shared
// test server is never stopped or reconfigured; and a streaming standby of one (pg_basebackup), for replica tests.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./process.ts";

export const PG_BIN = ["17", "16", "15", "14"]
  .map((v) => `/usr/lib/postgresql/${v}/bin`)
  .find((dir) => existsSync(join(dir, "initdb")));

function asPostgres(command: string, args: string[]): void {
  execFileSync("runuser", ["-u", "postgres", "--", join(PG_BIN ?? "", command), ...args], { stdio: "pipe" });
}

function ownedByPostgres(dir: string): void {
  chownSync(
    dir,
    Number(execFileSync("id", ["-u", "postgres"]).toString()),
    Number(execFileSync("id", ["-g", "postgres"]).toString()),
  );
}

export interface Cluster {
  port: number;
  /** A database of this cluster, as a connection URL. */
  url(database: string): string;
  start(): void;
  stop(mode?: "fast" | "immediate"): void;
  /** Stops it if it runs and deletes its folder. */
  remove(): void;
}

function cluster(root: string, data: string, port: number, durable: boolean): Cluster {
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=${durable ? "on" : "off"}`;
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => asPostgres("pg_ctl", ["-D", data, "-o", options, "-w", "-l", join(root, "log"), "start"]),
    stop: (mode = "fast") => asPostgres("pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]),
    remove() {
      try {
        asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      } catch {
        // not running
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A new cluster (trust authentication, replication allowed from 127.0.0.1), started. Not durable unless asked (a
 * test's cluster is thrown away; a bench compares with the durable shared server).
 */
export async function startCluster(options: { durable?: boolean } = {}): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), "enclave-pg-"));
  ownedByPostgres(root);
  const data = join(root, "data");
  asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const started = cluster(root, data, await freePort(), options.durable ?? false);
  started.start();
  return started;
}

/** A hot standby streaming from `primary` (a base backup, then WAL as it is written), started. */
export async function startStandby(primary: Cluster, options: { durable?: boolean } = {}): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), "enclave-pg-standby-"));
  ownedByPostgres(root);
  const data = join(root, "data");
  mkdirSync(data, { mode: 0o700 });
  ownedByPostgres(data);
  asPostgres("pg_basebackup", [
    ...["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres"],
    // A fast checkpoint: the default spread one waits out most of checkpoint_timeout after a CREATE DATABASE.
    ...["-D", data, "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
  ]);
  const standby = cluster(root, data, await freePort(), options.durable ?? false);
  standby.start();
  return standby;
}

/** Runs one statement against a database and returns its rows. */
export async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}
