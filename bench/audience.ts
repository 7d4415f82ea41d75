/**
 * Audience at scale on PostgreSQL: recompute facts, RFM, stages, rule and product tags and every segment for a brand
 * of N members and N × orders-per-member orders; re-evaluate one member after an event; fit the LTV models.
 * Usage: npm run bench -- audience [members=1000000] [orders_per_member=10]
 * BENCH_AUDIENCE_LTV=0 leaves out the LTV fit (minutes at a million members) when only the recompute is wanted.
 *
 * The data is generated inside PostgreSQL (INSERT … SELECT FROM generate_series, seeded), so the generator holds
 * nothing in Node and loads millions of rows at the server's speed. Node's peak resident memory is reported: the
 * recompute streams nothing through the application, so it must stay flat whatever N is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type QueryId, sql } from "kysely";
import type { ConditionJson } from "../src/audience/conditions/schema.ts";
import { reevaluateDirtyMembers, reevaluateMember } from "../src/audience/incremental.ts";
import { compress, fitBgNbd } from "../src/audience/ltv/bgnbd.ts";
import { dayOf, parseCdnowPurchases, summarize } from "../src/audience/ltv/cdnow.ts";
import { fitGammaGamma } from "../src/audience/ltv/gamma-gamma.ts";
import { fitLtv } from "../src/audience/ltv/service.ts";
import { markDirty } from "../src/audience/dirty.ts";
import { recomputeAudience, type RecomputeReport } from "../src/audience/recompute.ts";
import { createSegment } from "../src/audience/segments/service.ts";
import { createTag, createTagGroup } from "../src/audience/tags/catalog.ts";
import { type Db, openDatabase } from "../src/platform/db/database.ts";
import { migrate } from "../src/platform/db/migrate.ts";
import { createTenant } from "../src/tenants/service.ts";
import { freshPostgres, machine, ROOT, row } from "./support.ts";

const MEMBERS = Number(process.argv[3] ?? 1_000_000);
const ORDERS_PER_MEMBER = Number(process.argv[4] ?? 10);
const ORDERS = MEMBERS * ORDERS_PER_MEMBER;
const STORES = 200;
const SAMPLES = 200;
const DRAIN_MEMBERS = Math.min(10_000, MEMBERS);

const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;

const postgres = await freshPostgres("bench_audience");
const database = await openDatabase({ url: postgres.url, poolSize: 4 });
try {
  await migrate(database);
  const db = database.db;
  const now = new Date();
  const tenant = await createTenant(db, {
    slug: "bench",
    name: "Bench",
    currency: "CNY",
    time_zone: "Asia/Shanghai",
  });
  const t = tenant.tenant_id;
  const at = now.toISOString();

  // ——— data ———
  let started = performance.now();
  await sql`SELECT setseed(0.42)`.execute(db);
  await sql`
    INSERT INTO members (tenant_id, member_id, card_no, status, phone, gender, birthday, region, consent, join_channel,
      join_store_id, scene_key, home_store_id, attributes, joined_at, created_at, updated_at)
    SELECT ${t}, 'mem_' || lpad(i::text, 10, '0'), lpad(i::text, 12, '0'), 'active', '+86139' || lpad(i::text, 8, '0'),
      (ARRAY['female', 'male', 'other', 'unknown'])[1 + (i % 4)::int],
      CASE WHEN i % 3 = 0 THEN NULL ELSE date '1960-01-01' + (i * 37 % 16000)::int END,
      (ARRAY['north', 'south', 'east', 'west'])[1 + (i % 4)::int],
      jsonb_build_object('sms', jsonb_build_object('granted', i % 2 = 0, 'at', ${at}::text)),
      (ARRAY['pos', 'mini_program', 'tmall', 'jd'])[1 + (i % 4)::int],
      'store_' || (i % ${STORES}), CASE WHEN i % 10 = 0 THEN 'qr_' || (i % 7) END, 'store_' || (i % ${STORES}),
      jsonb_build_object('level', i % 5, 'drink', (ARRAY['oolong', 'jasmine', 'milk'])[1 + (i % 3)::int]),
      ${at}::timestamptz - make_interval(days => (30 + (i * 7919 % 900))::int), ${at}::timestamptz, ${at}::timestamptz
    FROM generate_series(1::bigint, ${MEMBERS}::bigint) AS i`.execute(db);
  // Skewed: a few members buy often, most rarely (the member index is drawn with density falling like 1/√x).
  await sql`
    INSERT INTO orders (tenant_id, order_id, channel, external_id, member_id, store_id, status, currency, items_minor,
      paid_minor, refunded_minor, ordered_at, completes_at, created_at, updated_at)
    SELECT ${t}, 'ord_' || lpad(g::text, 11, '0'), o.channel, 'b' || g,
      'mem_' || lpad((1 + floor(${MEMBERS} * r.u * r.u))::bigint::text, 10, '0'),
      'store_' || (g % ${STORES}), CASE WHEN g % 50 = 0 THEN 'refunded' ELSE 'completed' END, 'CNY',
      o.paid, o.paid, CASE WHEN g % 50 = 0 THEN o.paid ELSE 0 END,
      ${at}::timestamptz - make_interval(secs => r.v * 730 * 86400), ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
    FROM generate_series(1::bigint, ${ORDERS}::bigint) AS g
    CROSS JOIN LATERAL (SELECT random() AS u, random() AS v, g AS k) r
    CROSS JOIN LATERAL (SELECT (ARRAY['pos', 'mini_program', 'tmall', 'jd'])[1 + (g % 4)::int] AS channel, 1000 + (g * 7919 % 50000) AS paid) o`.execute(
    db,
  );
  await sql`
    INSERT INTO order_lines (tenant_id, order_id, line_no, sku, category, quantity, unit_price_minor)
    SELECT ${t}, order_id, 1, (ARRAY['TEA', 'CUP', 'BEAN', 'CAKE', 'GIFT'])[1 + (abs(hashtext(order_id)) % 5)],
      (ARRAY['fruit_tea', 'milk_tea', 'coffee', 'bakery', 'gift'])[1 + (abs(hashtext(order_id)) % 5)], 1, paid_minor
    FROM orders WHERE tenant_id = ${t}`.execute(db);
  await sql`
    INSERT INTO member_balances (tenant_id, member_id, available, growth)
    SELECT ${t}, member_id, abs(hashtext(member_id)) % 5000, abs(hashtext(member_id)) % 20000 FROM members WHERE tenant_id = ${t}`.execute(
    db,
  );
  await sql`ANALYZE`.execute(db);
  const loadMs = performance.now() - started;
  // Progress as it goes (a run at a million members takes a while; the table follows at the end).
  const progress = (what: string) => console.log(`${new Date().toISOString()} ${what}`);
  progress(`generated in ${seconds(loadMs)} s`);

  // ——— what the brand defined: tags and segments ———
  const group = await createTagGroup(db, t, { name: "Bench", dimension: "custom" }, now);
  const vip = await createTag(db, t, { group_id: group.group_id, name: "VIP", kind: "manual" }, now);
  await sql`INSERT INTO audience_member_tags (tenant_id, member_id, tag_id, source, tagged_at)
    SELECT ${t}, member_id, ${vip.tag_id}, 'manual', ${at}::timestamptz FROM members WHERE tenant_id = ${t} AND abs(hashtext(member_id)) % 20 = 0`.execute(
    db,
  );
  const ruleTags: ConditionJson[] = [
    { field: "orders.count", op: "gte", value: 5 },
    { field: "orders.spend_minor", op: "gte", value: 100_000 },
    { field: "orders.categories", op: "has", value: "coffee" },
    {
      all: [
        { field: "member.gender", op: "eq", value: "female" },
        { field: "member.age", op: "lt", value: 30 },
      ],
    },
    { field: "points.available", op: "gte", value: 2_000 },
  ];
  for (const [i, condition] of ruleTags.entries())
    await createTag(db, t, { group_id: group.group_id, name: `rule ${i}`, kind: "rule", condition }, now);
  await createTag(
    db,
    t,
    {
      group_id: group.group_id,
      name: "Cup again",
      kind: "product_lifecycle",
      stage: "repurchase",
      products: [{ sku: "CUP" }],
    },
    now,
  );
  await createTag(
    db,
    t,
    {
      group_id: group.group_id,
      name: "Beans used up",
      kind: "product_lifecycle",
      stage: "used_up",
      products: [{ sku: "BEAN", cycle_days: 30 }],
    },
    now,
  );
  await createTag(
    db,
    t,
    { group_id: group.group_id, name: "QR 3", kind: "scene", scene_keys: ["qr_3"] },
    now,
  );
  const segments: ConditionJson[] = [
    { field: "lifecycle.stage", op: "in", value: ["silent", "lost"] },
    { field: "lifecycle.important", op: "eq", value: true },
    { field: "rfm.group", op: "in", value: ["champions", "loyal"] },
    { field: "rfm.group", op: "eq", value: "at_risk" },
    {
      all: [
        { field: "lifecycle.stage", op: "eq", value: "new" },
        { field: "member.consent.sms", op: "eq", value: true },
      ],
    },
    { field: "tags", op: "has", value: vip.tag_id },
    { field: "orders.last_at", op: "more_than_days_ago", value: 60 },
    { field: "orders.channels", op: "has_all", value: ["pos", "tmall"] },
    { field: "orders.store_ids", op: "has", value: "store_7" },
    { field: "member.birthday_month", op: "eq", value: 6 },
    { field: "member.region", op: "in", value: ["north", "east"] },
    { field: "attributes.level", op: "gte", value: 3 },
    { field: "attributes.drink", op: "eq", value: "oolong" },
    {
      any: [
        { field: "orders.count", op: "eq", value: 1 },
        { field: "orders.average_minor", op: "gt", value: 30_000 },
      ],
    },
    { not: { field: "orders.categories", op: "has_any", value: ["coffee", "bakery"] } },
    { field: "member.joined_at", op: "within_last_days", value: 90 },
    { field: "tier.code", op: "exists" },
    { field: "rfm.m", op: "gte", value: 4 },
    { field: "ltv.p_alive", op: "lt", value: 0.3 },
    {
      all: [
        { field: "lifecycle.stage", op: "eq", value: "active" },
        { field: "orders.spend_minor", op: "gte", value: 200_000 },
      ],
    },
  ];
  // ——— the batch ———
  // The first run builds everything from nothing; segments are then saved (each filled at once, a baseline), and
  // the next day's run is the steady state: every fact, score, tag and segment re-derived, the changes as events.
  const runs: RecomputeReport[] = [await recomputeAudience(db, t, now)];
  progress(`first recompute ${seconds(runs[0]?.duration_ms ?? 0)} s`);
  started = performance.now();
  for (const [i, condition] of segments.entries())
    await db.transaction().execute((tx) => createSegment(tx, t, { name: `segment ${i}`, condition }, now));
  const saveSegmentsMs = performance.now() - started;
  // The nightly run: facts only for members marked by events (none here), everything else for everyone.
  runs.push(await recomputeAudience(db, t, new Date(now.getTime() + 86_400_000), { facts: "changed" }));
  progress(`nightly recompute ${seconds(runs[1]?.duration_ms ?? 0)} s ${JSON.stringify(runs[1]?.phases_ms)}`);
  // The weekly run: the same with every member's facts rebuilt from orders.
  runs.push(await recomputeAudience(db, t, new Date(now.getTime() + 2 * 86_400_000), { facts: "full" }));
  progress(`weekly recompute ${seconds(runs[2]?.duration_ms ?? 0)} s ${JSON.stringify(runs[2]?.phases_ms)}`);

  // ——— one member's events ———
  const ids = (
    await sql<{
      member_id: string;
    }>`SELECT member_id FROM audience_member_facts WHERE tenant_id = ${t} AND orders_count > 0 ORDER BY md5(member_id) LIMIT ${SAMPLES}`.execute(
      db,
    )
  ).rows.map((r) => r.member_id);
  const single = async (topics: ("tags" | "orders" | "points" | "tier")[]) => {
    const timings: number[] = [];
    for (const id of ids) {
      const s = performance.now();
      await reevaluateMember(db, t, id, topics, now);
      timings.push(performance.now() - s);
    }
    return { median: quantile(timings, 0.5), p95: quantile(timings, 0.95) };
  };
  const afterTag = await single(["tags"]);
  const afterOrder = await single(["orders", "points", "tier"]);
  if (process.env.BENCH_AUDIENCE_TRACE === "1") await traceOneMember(db, t, ids[0] ?? "", now);
  progress(
    `one member: after a tag ${afterTag.median.toFixed(1)} / ${afterTag.p95.toFixed(1)} ms, after an order ${afterOrder.median.toFixed(1)} / ${afterOrder.p95.toFixed(1)} ms`,
  );
  const drainIds = (
    await sql<{
      member_id: string;
    }>`SELECT member_id FROM audience_member_facts WHERE tenant_id = ${t} ORDER BY md5(member_id || 'x') LIMIT ${DRAIN_MEMBERS}`.execute(
      db,
    )
  ).rows.map((r) => r.member_id);
  await markDirty(db, t, drainIds, ["orders", "points", "tier"], now);
  started = performance.now();
  const drained = await reevaluateDirtyMembers(db, () => now);
  const drainMs = performance.now() - started;

  // ——— LTV ———
  const withLtv = process.env.BENCH_AUDIENCE_LTV !== "0";
  started = performance.now();
  const ltv = withLtv ? await fitLtv(db, t, now) : undefined;
  const ltvMs = performance.now() - started;
  started = performance.now();
  const cdnow = summarize(
    parseCdnowPurchases(readFileSync(join(ROOT, "../shared/data/CDNOW_master.txt"), "utf8")),
    dayOf("19970930"),
  );
  fitBgNbd(compress(cdnow));
  fitGammaGamma(
    cdnow.flatMap((c) =>
      c.x > 0 && c.mean_value !== undefined ? [{ x: c.x, mean_value: c.mean_value, weight: 1 }] : [],
    ),
  );
  const cdnowMs = performance.now() - started;

  const [first, second, third] = runs;
  console.log(
    `\n## Audience, ${MEMBERS.toLocaleString("en")} members, ${ORDERS.toLocaleString("en")} orders (PostgreSQL)\n`,
  );
  console.log(`Machine: ${machine()}. Generated in ${seconds(loadMs)} s.\n`);
  console.log(row(["what", "time", "detail"]));
  console.log(row(["---", "---", "---"]));
  for (const [label, report] of [
    ["recompute, from nothing (no segments yet)", first],
    ["nightly recompute (all 20 segments; facts of marked members)", second],
    ["weekly recompute (facts rebuilt from all orders)", third],
  ] as const) {
    if (!report) continue;
    const p = report.phases_ms;
    console.log(
      row([
        label,
        `${seconds(report.duration_ms)} s`,
        `facts ${seconds(p.facts)} s, RFM+stages ${seconds(p.scores)} s, ${report.tags.tags} computed tags ${seconds(p.tags)} s, ${report.segments.segments} segments ${seconds(p.segments)} s, ${report.events} events ${seconds(p.events)} s`,
      ]),
    );
  }
  console.log(row(["saving 20 segments (each filled at once)", `${seconds(saveSegmentsMs)} s`, ""]));
  console.log(
    row([
      "one member after a tag change",
      `${afterTag.median.toFixed(1)} ms`,
      `median of ${ids.length}; p95 ${afterTag.p95.toFixed(1)} ms`,
    ]),
  );
  console.log(
    row([
      "one member after an order",
      `${afterOrder.median.toFixed(1)} ms`,
      `median of ${ids.length}; p95 ${afterOrder.p95.toFixed(1)} ms`,
    ]),
  );
  console.log(
    row([
      "incremental drain",
      `${seconds(drainMs)} s`,
      `${drained} members, ${Math.round(drained / (drainMs / 1000))} members/s`,
    ]),
  );
  if (ltv)
    console.log(
      row([
        "LTV fit + predictions",
        `${seconds(ltvMs)} s`,
        ltv.fitted ? `${ltv.predicted_members} purchasers predicted` : ltv.reason,
      ]),
    );
  console.log(
    row([
      "BG/NBD + Gamma-Gamma on CDNOW_master",
      `${seconds(cdnowMs)} s`,
      `${cdnow.length} customers, parsing included`,
    ]),
  );
  console.log(`\nPeak resident memory of this Node process: ${peakRssMiB()} MiB.`);
} finally {
  await database.close();
  // BENCH_KEEP_DATABASE=1 leaves the data for looking into plans: psql the printed URL.
  if (process.env.BENCH_KEEP_DATABASE === "1") console.log(`kept ${postgres.url}`);
  else await postgres.drop();
}

/** BENCH_AUDIENCE_TRACE=1: each statement of one member's re-evaluation after an order, with its time as seen by Node. */
async function traceOneMember(db: Db, tenantId: string, memberId: string, at: Date) {
  const started = new Map<QueryId, number>();
  const what = new Map<QueryId, string>();
  const traced = db.withPlugin({
    transformQuery(args) {
      started.set(args.queryId, performance.now());
      const node = args.node as { kind: string; sqlFragments?: readonly string[] };
      what.set(args.queryId, (node.sqlFragments?.[0] ?? node.kind).replace(/\s+/g, " ").slice(0, 70));
      return args.node;
    },
    transformResult(args) {
      const ms = performance.now() - (started.get(args.queryId) ?? performance.now());
      console.log(`  ${ms.toFixed(2).padStart(6)} ms  ${what.get(args.queryId)}`);
      return Promise.resolve(args.result);
    },
  });
  for (let round = 0; round < 3; round++) {
    console.log(`trace round ${round}`);
    const s = performance.now();
    await reevaluateMember(traced, tenantId, memberId, ["orders", "points", "tier"], at);
    console.log(`  total ${(performance.now() - s).toFixed(2)} ms`);
  }
}
