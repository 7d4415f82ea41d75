import pino from "pino";
import { afterAll, beforeAll } from "vitest";
import { createApiKey, createStaff } from "../../src/access/service.ts";
import { type Enclave, openEnclave } from "../../src/app.ts";
import { getRootOrgUnit } from "../../src/org/service.ts";
import { type Clock, systemClock } from "../../src/platform/clock.ts";
import { loadConfig } from "../../src/platform/config.ts";
import type { Database } from "../../src/platform/db/database.ts";
import { createTenant } from "../../src/tenants/service.ts";

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  /** The raw response body (CSV exports, HTML). */
  text: string;
}

export interface Brand {
  tenantId: string;
  slug: string;
  hqId: string;
  ownerToken: string;
  writeKey: string;
  readKey: string;
}

export const OWNER_PASSWORD = "correct horse battery";
let brandCounter = 0;

export interface Harness {
  enclave: Enclave;
  api<T = Record<string, unknown>>(
    method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
    url: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<ApiResponse<T>>;
  /** A new brand with an owner session, a write key and a read key. */
  newBrand(options?: { demo?: boolean }): Promise<Brand>;
}

/** An Enclave wired to the given database, with the HTTP stack driven in-process (Fastify inject). */
export function useEnclave(
  database: () => Database,
  options: { clock?: Clock; env?: () => NodeJS.ProcessEnv } = {},
): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    const enclave = await openEnclave(loadConfig({ LOG_LEVEL: "silent", ...options.env?.() }), {
      database: database(),
      clock: options.clock ?? systemClock,
      log: pino({ level: "silent" }),
    });
    const api: Harness["api"] = async (method, url, opts = {}) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let payload: string | undefined = opts.rawBody;
      if (payload !== undefined) headers["content-type"] ??= "application/json";
      if (opts.body !== undefined) {
        payload = JSON.stringify(opts.body);
        headers["content-type"] ??= "application/json";
      }
      const response = await enclave.http.inject({
        method,
        url,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
      const type = String(response.headers["content-type"] ?? "");
      const body = type.includes("json") && response.body ? JSON.parse(response.body) : response.body;
      return { status: response.statusCode, headers: response.headers, body, text: response.body };
    };
    harness = {
      enclave,
      api,
      async newBrand(brandOptions = {}) {
        const slug = `brand-${process.pid}-${++brandCounter}-${Math.random().toString(36).slice(2, 6)}`;
        const db = enclave.platform.database.db;
        const tenant = await createTenant(db, {
          slug,
          name: `Brand ${brandCounter}`,
          currency: "CNY",
          time_zone: "Asia/Shanghai",
          demo: brandOptions.demo ?? false,
        });
        const hq = await getRootOrgUnit(db, tenant.tenant_id);
        await createStaff(db, tenant.tenant_id, {
          email: `owner@${slug}.test`,
          name: "Owner",
          role: "owner",
          org_unit_id: hq.org_unit_id,
          password: OWNER_PASSWORD,
        });
        const login = await api<{ token: string }>("POST", "/v1/auth/login", {
          body: { tenant: slug, email: `owner@${slug}.test`, password: OWNER_PASSWORD },
        });
        if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
        const writeKey = await createApiKey(db, tenant.tenant_id, { name: "write", scope: "write" });
        const readKey = await createApiKey(db, tenant.tenant_id, { name: "read", scope: "read" });
        return {
          tenantId: tenant.tenant_id,
          slug,
          hqId: hq.org_unit_id,
          ownerToken: login.body.token,
          writeKey: writeKey.key,
          readKey: readKey.key,
        };
      },
    };
  });
  afterAll(async () => {
    await harness?.enclave.close();
  });
  return () => {
    if (!harness) throw new Error("harness not ready");
    return harness;
  };
}
