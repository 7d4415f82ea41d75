import { availableParallelism } from "node:os";
import { resolve } from "node:path";

/** Everything the process reads from its environment, parsed once at start. */
export interface Config {
  port: number;
  host: string;
  /** A PostgreSQL server; when absent the embedded database (PGlite) in `dataDir` is used. */
  databaseUrl: string | undefined;
  /**
   * A read replica of `databaseUrl` for reads that may lag a little (the console's analytics); when absent they
   * go to `databaseUrl`.
   */
  readDatabaseUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  /** Load the demo brand on first start when the database has no tenant yet. */
  demo: boolean;
  /** Public base URL printed at start and used in links. */
  publicUrl: string;
  /** Outgoing webhooks and message senders may reach loopback and private networks (off: SSRF guard). */
  webhooksAllowPrivate: boolean;
  /** HTTP processes sharing the port (PostgreSQL only); one of them also runs the relay, jobs and deliveries. */
  workers: number;
}

export class ConfigError extends Error {}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function flag(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer("PORT", env.PORT, 3000, 0, 65535);
  const host = env.HOST || "127.0.0.1";
  const databaseUrl = env.DATABASE_URL || undefined;
  const readDatabaseUrl = env.DATABASE_READ_URL || undefined;
  if (readDatabaseUrl !== undefined && databaseUrl === undefined)
    throw new ConfigError("DATABASE_READ_URL needs DATABASE_URL (the embedded database has no replicas)");
  const dataDir = resolve(env.ENCLAVE_DATA_DIR || ".enclave/data");
  const workers =
    env.ENCLAVE_WORKERS === "auto"
      ? availableParallelism()
      : integer("ENCLAVE_WORKERS", env.ENCLAVE_WORKERS, 1, 1, 64);
  // The embedded database lives inside one process: more processes need a PostgreSQL server.
  if (workers > 1 && databaseUrl === undefined)
    throw new ConfigError(
      "ENCLAVE_WORKERS above 1 needs DATABASE_URL (the embedded database is one process's)",
    );
  return {
    port,
    host,
    databaseUrl,
    readDatabaseUrl,
    dataDir,
    logLevel: env.LOG_LEVEL || "info",
    // The demo brand is on by default only for the embedded database: a production server starts empty.
    demo: flag("ENCLAVE_DEMO", env.ENCLAVE_DEMO, databaseUrl === undefined),
    publicUrl: (
      env.ENCLAVE_PUBLIC_URL || `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`
    ).replace(/\/$/, ""),
    webhooksAllowPrivate: flag("ENCLAVE_WEBHOOKS_ALLOW_PRIVATE", env.ENCLAVE_WEBHOOKS_ALLOW_PRIVATE, false),
    workers,
  };
}
