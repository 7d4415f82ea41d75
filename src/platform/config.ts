import { resolve } from "node:path";

/** Everything the process reads from its environment, parsed once at start. */
export interface Config {
  port: number;
  host: string;
  /** A PostgreSQL server; when absent the embedded database (PGlite) in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  /** Load the demo brand on first start when the database has no tenant yet. */
  demo: boolean;
  /** Public base URL printed at start and used in links. */
  publicUrl: string;
  /** Outgoing webhooks and message senders may reach loopback and private networks (off: SSRF guard). */
  webhooksAllowPrivate: boolean;
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
  const dataDir = resolve(env.ENCLAVE_DATA_DIR || ".enclave/data");
  return {
    port,
    host,
    databaseUrl,
    dataDir,
    logLevel: env.LOG_LEVEL || "info",
    // The demo brand is on by default only for the embedded database: a production server starts empty.
    demo: flag("ENCLAVE_DEMO", env.ENCLAVE_DEMO, databaseUrl === undefined),
    publicUrl: (
      env.ENCLAVE_PUBLIC_URL || `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`
    ).replace(/\/$/, ""),
    webhooksAllowPrivate: flag("ENCLAVE_WEBHOOKS_ALLOW_PRIVATE", env.ENCLAVE_WEBHOOKS_ALLOW_PRIVATE, false),
  };
}
