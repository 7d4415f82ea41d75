/**
 * Times every statement the pg driver sends while `tracing.on` is set, keyed by its first 90 characters: what a
 * request costs in round trips, and which statement is the slow one. For the probes in this folder.
 */
import pg from "pg";
import pino from "pino";
import { createApiKey } from "../../src/access/service.ts";
import { openEnclave } from "../../src/app.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createTenant } from "../../src/tenants/service.ts";
import { freshPostgres, quantile } from "../support.ts";

export interface Tracing {
  on: boolean;
  timings: Map<string, number[]>;
  /** One line per statement (how many per unit of work, p50 and total ms per unit), slowest first. */
  report(units: number, unit: string): string[];
}

export function traceQueries(): Tracing {
  const tracing: Tracing = { on: false, timings: new Map(), report };
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the client as `this` below
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function traced(this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; name?: string };
    const text = (typeof first === "string" ? first : (first?.text ?? first?.name ?? "?"))
      .replace(/\s+/g, " ")
      .slice(0, 90);
    const result = query.apply(this, args);
    if (tracing.on && result instanceof Promise) {
      const started = performance.now();
      void result.then(
        () =>
          (tracing.timings.get(text) ?? tracing.timings.set(text, []).get(text))?.push(
            performance.now() - started,
          ),
        () => undefined,
      );
    }
    return result;
  } as typeof pg.Client.prototype.query;

  function report(units: number, unit: string): string[] {
    let total = 0;
    const rows = [...tracing.timings].map(([text, times]) => {
      times.sort((a, b) => a - b);
      const sum = times.reduce((s, t) => s + t, 0);
      total += sum / units;
      return {
        text,
        sum,
        line: `${(times.length / units).toFixed(1)}× p50 ${quantile(times, 0.5).toFixed(2)} max ${(times.at(-1) ?? 0).toFixed(1)} ms, ${(sum / units).toFixed(2)} ms per ${unit}  ${text}`,
      };
    });
    rows.sort((a, b) => b.sum - a.sum);
    return [...rows.map((r) => r.line), `statements: ${total.toFixed(2)} ms per ${unit} in all`];
  }
  return tracing;
}

/** Enclave in this process on a fresh PostgreSQL database, with one brand and a write key: what a probe drives. */
export async function probeBrand(prefix: string) {
  const fresh = await freshPostgres(prefix);
  const enclave = await openEnclave(loadConfig({ LOG_LEVEL: "silent", DATABASE_URL: fresh.url }), {
    log: pino({ level: "silent" }),
  });
  const db = enclave.platform.database.db;
  const tenant = await createTenant(db, {
    slug: "trace",
    name: "Trace",
    currency: "CNY",
    time_zone: "Asia/Shanghai",
  });
  const { key } = await createApiKey(db, tenant.tenant_id, { name: "bench", scope: "write" });
  return { fresh, enclave, db, tenantId: tenant.tenant_id, key };
}
