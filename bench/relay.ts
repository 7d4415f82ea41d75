/**
 * The event relay beside ingest (`npm run bench -- relay [orders]`): N orders are ingested in batches of 1,000,
 * then the relay drains their events through every subscriber the app registers. The relay must keep up with
 * ingest, or its backlog grows without bound under sustained load.
 */
import pino from "pino";
import { openEnclave } from "../src/app.ts";
import { ingestOrders } from "../src/orders/ingest.ts";
import { loadConfig } from "../src/platform/config.ts";
import { openDatabase } from "../src/platform/db/database.ts";
import { createTenant } from "../src/tenants/service.ts";
import { freshPostgres, machine, row, importBenchMembers } from "./support.ts";

const ORDERS = Number(process.argv[3] ?? 20_000);
const MEMBERS = 5_000;

const pgdb = await freshPostgres("enclave_bench_relay");
const database = await openDatabase({ url: pgdb.url });
const enclave = await openEnclave(loadConfig({ LOG_LEVEL: "silent" }), {
  database,
  log: pino({ level: "silent" }),
});
const db = database.db;
const tenant = await createTenant(db, {
  slug: "relay",
  name: "Relay",
  currency: "CNY",
  time_zone: "Asia/Shanghai",
});
const now = new Date();
const members = await importBenchMembers(db, tenant.tenant_id, MEMBERS, now, "pos");

let started = performance.now();
for (let b = 0; b < ORDERS / 1_000; b++) {
  const orders = Array.from({ length: 1_000 }, (_, i) => ({
    channel: "pos",
    external_id: `relay-${b}-${i}`,
    member: { member_id: members[(b * 1_000 + i) % MEMBERS] ?? "" },
    currency: "CNY",
    ordered_at: new Date(now.getTime() - 3_600_000),
    lines: [{ sku: "TEA", category: "tea", quantity: 1, unit_price_minor: 2_500 }],
    paid_minor: 2_500,
  }));
  await db.transaction().execute((tx) => ingestOrders(tx, tenant.tenant_id, orders, "bench", now));
}
const ingestSeconds = (performance.now() - started) / 1000;
started = performance.now();
let relayed = 0;
for (let n; (n = await enclave.platform.events.relayOnce()) > 0;) relayed += n;
const relaySeconds = (performance.now() - started) / 1000;

console.log(`machine: ${machine()}; ${ORDERS} orders in batches of 1,000, ${MEMBERS} members, PostgreSQL`);
console.log(row(["step", "items", "seconds", "per second"]));
console.log(
  row(["ingest (in process)", ORDERS, ingestSeconds.toFixed(1), Math.round(ORDERS / ingestSeconds)]),
);
console.log(
  row(["relay (every subscriber)", relayed, relaySeconds.toFixed(1), Math.round(relayed / relaySeconds)]),
);
await enclave.close();
await database.close();
await pgdb.drop();
