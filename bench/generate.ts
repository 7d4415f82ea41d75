/**
 * A brand of N members and M orders, generated in Node and loaded with COPY, ledger-consistent.
 * Usage: npm run bench -- generate --members N --orders M --seed S [--database-url URL] [--keep] [--now ISO]
 *
 * - Members join over the past three years, more of them lately (a brand that grows); a sixth never buy.
 * - Orders per member: a gamma-mixed Poisson (negative binomial) share of the brand's M orders, in proportion to
 *   how long the member has been active, so a few members buy very often and many rarely; about a third stop
 *   buying after a while. M is met exactly.
 * - Order times follow month (summer drinks, 618, Double 11, Chinese New Year low), weekday (weekends up) and hour
 *   (lunch and afternoon tea) profiles in the brand's time zone; channels (pos, mini program, tmall, jd, meituan)
 *   with a preferred channel per member; stores of an org tree (HQ → regions → stores) of unequal size, the home
 *   store most of the time; 1–4 line items of the demo brand's products and categories.
 * - Points and growth are decided by the brand's own earn rules (`evaluateEarnings`, the rules created with the
 *   tenant) and posted as order ingest would for history: one points entry per rule decision and one growth entry,
 *   each with its two postings, one lot per order, pending for orders still inside the return window; lots whose
 *   expiry date has passed are expired as the expiry job does (an `expire` entry, the lot closed). Balances are the
 *   sums. `GET /v1/points/check` is clean afterwards.
 *
 * Deterministic: the same N, M, seed and `--now` give the same members and orders, ids included (ids are TypeIDs
 * made from the seeded generator and a clock that ticks per row). Nothing is held beyond one chunk of members: rows are
 * streamed to one COPY per table, each on its own connection. Each COPY is its own transaction; a failed run leaves
 * a partial brand, so generate into a fresh database (the default) or a fresh tenant.
 */
import { once } from "node:events";
import { finished } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { sql } from "kysely";
import { PRODUCTS } from "../src/demo/brand.ts";
import { MOBILE_PREFIXES } from "../src/demo/load.ts";
import { Random } from "../src/demo/random.ts";
import { LINE_COLUMNS, ORDER_COLUMNS } from "../src/orders/ingest.ts";
import { createOrgUnit, getRootOrgUnit } from "../src/org/service.ts";
import { type Database, openDatabase } from "../src/platform/db/database.ts";
import { migrate } from "../src/platform/db/migrate.ts";
import { ID_PREFIXES } from "../src/platform/ids.ts";
import { type EarnRule, evaluateEarnings } from "../src/points/earn-rules.ts";
import { zoneCalendar } from "../src/points/expiry.ts";
import {
  ENTRY_COLUMNS,
  POSTING_COLUMNS,
  transfer,
  type EntryInput,
  assertBalanced,
  entryRows,
} from "../src/points/ledger.ts";
import { LOT_COLUMNS } from "../src/points/movements.ts";
import { activeEarnRules, getProgram } from "../src/points/program.ts";
import { createTenant } from "../src/tenants/service.ts";
import { createApiKey } from "../src/access/service.ts";
import { admin, databaseUrl, freshPostgres, machine } from "./support.ts";

const DAY_MS = 86_400_000;
const CHUNK = 1_000;

export interface GenerateOptions {
  members: number;
  orders: number;
  seed: number;
  /** The moment the brand's history ends (default: now). Part of what makes a run reproducible. */
  now?: Date;
  slug?: string;
  /** Stores in the org tree (default: one per 2,000 members, 12 to 400). */
  stores?: number;
  /** Drop the loaded tables' secondary indexes for the load and build them after (default true; only for a
   * database of its own — other brands in it would be without those indexes meanwhile). */
  rebuildIndexes?: boolean;
  log?: (line: string) => void;
}

export interface GenerateReport {
  tenant_id: string;
  slug: string;
  members: number;
  orders: number;
  rows: Record<string, number>;
  load_ms: number;
  index_ms: number;
  total_ms: number;
}

// ——— distributions ———

/** Local month (0 = January) weights: Chinese New Year low, summer drinks, 618, Golden Week, Double 11. */
const MONTH_WEIGHT = [1.0, 0.75, 0.9, 0.95, 1.0, 1.15, 1.25, 1.25, 1.0, 1.05, 1.3, 1.15];
/** Local weekday (0 = Sunday) weights. */
const WEEKDAY_WEIGHT = [1.2, 0.85, 0.85, 0.9, 0.95, 1.1, 1.3];
/** Local hour weights, 8:00–22:00: lunch and afternoon tea. */
const HOUR_WEIGHT: [number, number][] = [
  [8, 2],
  [9, 3],
  [10, 4],
  [11, 7],
  [12, 10],
  [13, 9],
  [14, 8],
  [15, 10],
  [16, 8],
  [17, 6],
  [18, 6],
  [19, 5],
  [20, 4],
  [21, 2],
];
const MAX_DAY_WEIGHT = Math.max(...MONTH_WEIGHT) * Math.max(...WEEKDAY_WEIGHT);
const CHANNELS: [string, number][] = [
  ["pos", 45],
  ["mini_program", 35],
  ["tmall", 10],
  ["jd", 5],
  ["meituan", 5],
];
const IN_STORE = new Set(["pos", "mini_program", "meituan"]);
const JOIN_CHANNELS: [string, number][] = [
  ["store_qr", 40],
  ["mini_program", 35],
  ["pos", 15],
  ["web", 10],
];
const PRODUCT_WEIGHTS = PRODUCTS.map((p) => [p, p.category === "merch" ? 1 : 8] as const);
const REGIONS = [
  ["EAST", "East China"],
  ["SOUTH", "South China"],
  ["NORTH", "North China"],
  ["WEST", "West China"],
  ["CENTRAL", "Central China"],
] as const;

// ——— ids ———

const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

/** A TypeID (prefix + UUIDv7 in base32) from a time and the seeded generator: same seed, same ids. */
function seededId(prefix: string, ms: number, random: Random): string {
  let out = `${prefix}_`;
  // 2 zero bits + 48 bits of milliseconds = the first 10 characters.
  const head: string[] = new Array<string>(10);
  let t = Math.max(0, Math.floor(ms));
  for (let i = 9; i >= 0; i--) {
    head[i] = BASE32[t % 32] ?? "0";
    t = Math.floor(t / 32);
  }
  out += head.join("");
  // version 7, 12 random bits, variant 10, 62 random bits = 80 bits = 16 characters.
  const r1 = (random.next() * 4294967296) >>> 0;
  const r2 = (random.next() * 4294967296) >>> 0;
  const r3 = (random.next() * 4294967296) >>> 0;
  const words = [0x7000 | (r1 & 0xfff), 0x8000 | ((r1 >>> 12) & 0x3fff), r2 & 0xffff, r2 >>> 16, r3 & 0xffff];
  let acc = 0;
  let bits = 0;
  for (const w of words) {
    acc = (acc << 16) | w;
    bits += 16;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}

// ——— COPY ———

type Columns = Readonly<Record<string, string>>;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
function field(value: unknown, type: string | undefined): string {
  if (value === null || value === undefined) return "\\N";
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (type === "jsonb") text = typeof value === "string" ? value : JSON.stringify(value);
  else if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else text = JSON.stringify(value);
  return NEEDS_ESCAPE.test(text)
    ? text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : text;
}

/** One table's COPY FROM STDIN on its own connection, written in chunks with backpressure. */
class CopyTable {
  readonly names: string[];
  readonly table: string;
  readonly columns: Columns;
  rows = 0;
  #parts: string[] = [];
  #client: pg.Client;
  #stream: NodeJS.WritableStream | undefined;

  constructor(url: string, table: string, columns: Columns) {
    this.table = table;
    this.columns = columns;
    this.names = Object.keys(columns);
    this.#client = new pg.Client({ connectionString: url });
  }

  async open(): Promise<void> {
    await this.#client.connect();
    this.#stream = this.#client.query(copyFrom(`COPY ${this.table} (${this.names.join(", ")}) FROM STDIN`));
  }

  push(row: Record<string, unknown>): void {
    let line = "";
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i] ?? "";
      if (i > 0) line += "\t";
      line += field(row[name], this.columns[name]);
    }
    this.#parts.push(line, "\n");
    this.rows++;
  }

  async flush(): Promise<void> {
    if (this.#parts.length === 0 || !this.#stream) return;
    const ok = this.#stream.write(this.#parts.join(""));
    this.#parts = [];
    if (!ok) await once(this.#stream, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.#stream) {
      this.#stream.end();
      await finished(this.#stream);
    }
    await this.#client.end();
  }
}

const MEMBER_COLUMNS = {
  tenant_id: "text",
  member_id: "text",
  card_no: "text",
  status: "text",
  phone: "text",
  name: "text",
  gender: "text",
  birthday: "date",
  consent: "jsonb",
  join_channel: "text",
  join_store_id: "text",
  scene_key: "text",
  home_store_id: "text",
  joined_at: "timestamptz",
  created_at: "timestamptz",
  updated_at: "timestamptz",
} as const;

const BALANCE_COLUMNS = {
  tenant_id: "text",
  member_id: "text",
  available: "bigint",
  pending: "bigint",
  growth: "bigint",
  orders_count: "integer",
  first_order_at: "timestamptz",
  last_order_at: "timestamptz",
  updated_at: "timestamptz",
} as const;

const LOADED_TABLES = [
  "members",
  "member_balances",
  "orders",
  "order_lines",
  "ledger_entries",
  "ledger_postings",
  "points_lots",
] as const;

/** Card numbers as the service makes them (8 + 10 digits + Luhn), unique by construction from the sequence. */
function cardNo(i: number): string {
  // i × 7,919,313 mod 10^10 is a bijection on 0…10^10−1 (the factor is coprime to 10).
  const body = `8${String((i * 7_919_313) % 10_000_000_000).padStart(10, "0")}`;
  let sum = 0;
  for (let k = 0; k < body.length; k++) {
    let d = body.charCodeAt(body.length - 1 - k) - 48;
    if (k % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

function weighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  return random.weighted(choices);
}

// ——— the brand ———

interface MemberPlan {
  member_id: string;
  joined_at: Date;
  home_store: string;
  channel: string;
  weight: number;
  active_until: number;
  orders: number;
}

/** Generates and loads the brand into `database` (migrated already) as a new tenant. */
export async function generateBrand(
  database: Database,
  url: string,
  options: GenerateOptions,
): Promise<GenerateReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const now = options.now ?? new Date();
  const random = new Random(options.seed);
  const slug = options.slug ?? `gen-${options.seed}`;
  const db = database.db;
  const N = options.members;
  const M = options.orders;

  // The brand, its program (default: 1 point and 1 growth per yuan, 7-day return window) and its org tree.
  const tenant = await createTenant(
    db,
    { slug, name: `Generated ${slug}`, currency: "CNY", time_zone: "Asia/Shanghai" },
    now,
  );
  const t = tenant.tenant_id;
  const storeCount = options.stores ?? Math.max(12, Math.min(400, Math.round(N / 2_000)));
  const stores: string[] = await db.transaction().execute(async (tx) => {
    const hq = await getRootOrgUnit(tx, t);
    const ids: string[] = [];
    const regions = [];
    for (const [code, name] of REGIONS)
      regions.push(await createOrgUnit(tx, t, { parent_id: hq.org_unit_id, kind: "region", code, name }));
    for (let s = 0; s < storeCount; s++) {
      const region = regions[s % regions.length];
      if (!region) throw new Error("no region");
      const store = await createOrgUnit(tx, t, {
        parent_id: region.org_unit_id,
        kind: "store",
        code: `${region.code}-${String(s).padStart(4, "0")}`,
        name: `Store ${s}`,
      });
      ids.push(store.org_unit_id);
    }
    return ids;
  });
  // Store sizes are unequal (Zipf-like): a few flagships, a long tail.
  const storeWeights = stores.map((id, i) => [id, 1 / Math.sqrt(i + 1)] as const);
  const program = await getProgram(db, t);
  const rules: EarnRule[] = await activeEarnRules(db, t);
  const calendar = zoneCalendar(tenant.time_zone, program.expiry);
  const windowMs = program.return_window_days * DAY_MS;
  const offsetMs = 8 * 3_600_000; // Asia/Shanghai, no daylight saving

  let dropped: { name: string; definition: string }[] = [];
  if (options.rebuildIndexes ?? true) {
    const indexes = await sql<{ indexname: string; indexdef: string }>`
      SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = ANY(${[...LOADED_TABLES]}::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`.execute(db);
    dropped = indexes.rows.map((r) => ({ name: r.indexname, definition: r.indexdef }));
    for (const index of dropped) await sql`DROP INDEX ${sql.id(index.name)}`.execute(db);
    log(`dropped ${dropped.length} secondary indexes for the load`);
  }

  const tables = {
    members: new CopyTable(url, "members", MEMBER_COLUMNS),
    balances: new CopyTable(url, "member_balances", BALANCE_COLUMNS),
    orders: new CopyTable(url, "orders", ORDER_COLUMNS),
    lines: new CopyTable(url, "order_lines", LINE_COLUMNS),
    entries: new CopyTable(url, "ledger_entries", ENTRY_COLUMNS),
    postings: new CopyTable(url, "ledger_postings", POSTING_COLUMNS),
    lots: new CopyTable(url, "points_lots", LOT_COLUMNS),
  };
  const all = Object.values(tables);
  await Promise.all(all.map((table) => table.open()));

  const historyStart = now.getTime() - 3 * 365 * DAY_MS;
  const nowMs = now.getTime();
  const at = now.toISOString();
  let sequence = 0;
  // Ids carry the time a row was written, as newId() does: a load that took a while, ending now. Rows then go
  // into every primary key in ascending order (appended, not scattered), as a live brand's rows do.
  let idCount = 0;
  const idStart = nowMs - 2 * 3_600_000;
  const idMs = () => idStart + Math.floor(idCount++ / 32);
  let lastLog = performance.now();

  const writeEntry = (entry: EntryInput): string => {
    assertBalanced(entry);
    const entryId = seededId(ID_PREFIXES.journal, idMs(), random);
    const rows = entryRows(t, entryId, entry);
    tables.entries.push(rows.entry);
    for (const posting of rows.postings) tables.postings.push(posting);
    return entryId;
  };

  try {
    for (let chunkStart = 0; chunkStart < N; chunkStart += CHUNK) {
      const chunkEnd = Math.min(N, chunkStart + CHUNK);
      const quota = Math.round((M * chunkEnd) / N) - Math.round((M * chunkStart) / N);
      const plans: MemberPlan[] = [];
      for (let i = chunkStart; i < chunkEnd; i++) {
        // Joins grow over the three years: density rising towards now.
        const joinedMs = historyStart + (nowMs - historyStart - DAY_MS) * Math.sqrt(random.next());
        const churns = random.next() < 0.35;
        const activeUntil = churns ? Math.min(nowMs, joinedMs + random.exponential(120) * DAY_MS) : nowMs;
        const buyer = random.next() >= 1 / 6;
        const rate = buyer ? random.gamma(0.6) : 0;
        plans.push({
          member_id: seededId(ID_PREFIXES.member, idMs(), random),
          joined_at: new Date(joinedMs),
          home_store: weighted(random, storeWeights),
          channel: weighted(random, CHANNELS),
          weight: rate * Math.max(0, activeUntil - joinedMs - 3_600_000),
          active_until: activeUntil,
          orders: 0,
        });
        const plan = plans[plans.length - 1];
        if (!plan) continue;
        const channel = weighted(random, JOIN_CHANNELS);
        const gender = weighted(random, [
          ["female", 62],
          ["male", 33],
          ["unknown", 5],
        ] as const);
        const birthday =
          random.next() < 0.7
            ? `${random.int(1970, 2007)}-${String(random.int(1, 12)).padStart(2, "0")}-${String(random.int(1, 28)).padStart(2, "0")}`
            : null;
        tables.members.push({
          tenant_id: t,
          member_id: plan.member_id,
          card_no: cardNo(i),
          status: "active",
          phone: `+86${MOBILE_PREFIXES[i % MOBILE_PREFIXES.length]}${String(Math.floor(i / MOBILE_PREFIXES.length)).padStart(8, "0")}`,
          name: null,
          gender,
          birthday,
          consent: {
            sms: { granted: random.next() < 0.6, at: plan.joined_at.toISOString() },
            im: { granted: random.next() < 0.8, at: plan.joined_at.toISOString() },
          },
          join_channel: channel,
          join_store_id: channel === "web" ? null : plan.home_store,
          scene_key: channel === "store_qr" ? `store:${plan.home_store}` : null,
          home_store_id: plan.home_store,
          joined_at: plan.joined_at,
          created_at: at,
          updated_at: at,
        });
      }
      // The chunk's orders shared out by weight (largest remainder), so the brand's total is exactly M.
      const total = plans.reduce((a, p) => a + p.weight, 0);
      if (total > 0) {
        const shares = plans.map((p) => (quota * p.weight) / total);
        let left = quota;
        plans.forEach((p, k) => {
          p.orders = Math.floor(shares[k] ?? 0);
          left -= p.orders;
        });
        const byRemainder = plans
          .map((p, k) => ({ k, r: (shares[k] ?? 0) - p.orders }))
          .sort((a, b) => b.r - a.r || a.k - b.k);
        for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) {
          const plan = plans[byRemainder[k]?.k ?? 0];
          if (plan) plan.orders++;
        }
      }

      for (const plan of plans) {
        let available = 0;
        let pending = 0;
        let growthTotal = 0;
        const times: number[] = [];
        const from = plan.joined_at.getTime() + 3_600_000;
        const span = plan.active_until - from;
        while (times.length < plan.orders) {
          // A day by month and weekday weight (rejection), then an hour of the brand's day.
          const candidate = from + random.next() * span;
          const local = new Date(candidate + offsetMs);
          const w = (MONTH_WEIGHT[local.getUTCMonth()] ?? 1) * (WEEKDAY_WEIGHT[local.getUTCDay()] ?? 1);
          if (random.next() * MAX_DAY_WEIGHT > w) continue;
          const dayStart = Math.floor((candidate + offsetMs) / DAY_MS) * DAY_MS - offsetMs;
          const hour = weighted(random, HOUR_WEIGHT);
          const time = dayStart + hour * 3_600_000 + Math.floor(random.next() * 3_600_000);
          if (time < plan.joined_at.getTime() || time >= nowMs) continue;
          times.push(time);
        }
        times.sort((a, b) => a - b);
        const earnedOnDay = new Map<string, number>();
        for (const [n, time] of times.entries()) {
          const orderedAt = new Date(time);
          const channel = random.next() < 0.7 ? plan.channel : weighted(random, CHANNELS);
          const storeId = IN_STORE.has(channel)
            ? random.next() < 0.85
              ? plan.home_store
              : weighted(random, storeWeights)
            : null;
          const lineCount = weighted(random, [
            [1, 55],
            [2, 30],
            [3, 12],
            [4, 3],
          ] as const);
          const lines = [];
          let items = 0;
          for (let l = 0; l < lineCount; l++) {
            const product = weighted(random, PRODUCT_WEIGHTS);
            const quantity = weighted(random, [
              [1, 80],
              [2, 17],
              [3, 3],
            ] as const);
            items += quantity * product.price_minor;
            lines.push({ product, quantity });
          }
          const discount = items >= 14_800 && random.next() < 0.3 ? 2_000 : 0;
          const paid = items - discount;
          const orderId = seededId(ID_PREFIXES.order, idMs(), random);
          const facts = calendar.facts(orderedAt);
          const dayKey = facts.day;
          const earned = evaluateEarnings(
            {
              channel,
              store_id: storeId,
              ordered_at: orderedAt,
              lines: lines.map((l) => ({
                sku: l.product.sku,
                category: l.product.category,
                quantity: l.quantity,
                unit_price_minor: l.product.price_minor,
                discount_minor: 0,
              })),
              discount_minor: discount,
              basis_minor: paid,
            },
            {
              weekday: facts.weekday,
              day_of_month: facts.day_of_month,
              tier_code: null,
              tier_multiplier: 1,
              is_first_purchase: n === 0,
              points_earned_today: earnedOnDay.get(dayKey) ?? 0,
            },
            rules,
          );
          earnedOnDay.set(dayKey, (earnedOnDay.get(dayKey) ?? 0) + earned.points);
          const completesAt = new Date(time + windowMs);
          const isPending = completesAt.getTime() > nowMs;
          const sourceExternal = `gen-${++sequence}`;
          tables.orders.push({
            tenant_id: t,
            order_id: orderId,
            channel,
            external_id: sourceExternal,
            member_id: plan.member_id,
            customer_phone: null,
            store_id: storeId,
            guide_id: null,
            status: isPending ? "paid" : "completed",
            currency: "CNY",
            items_minor: items,
            discount_minor: discount,
            shipping_minor: 0,
            paid_minor: paid,
            points_earned: earned.points,
            growth_earned: earned.growth,
            earn_note: null,
            ordered_at: orderedAt,
            completes_at: completesAt,
            completed_at: isPending ? null : completesAt,
            created_at: at,
            updated_at: at,
          });
          lines.forEach((l, k) =>
            tables.lines.push({
              tenant_id: t,
              order_id: orderId,
              line_no: k + 1,
              sku: l.product.sku,
              name: l.product.name,
              category: l.product.category,
              quantity: l.quantity,
              unit_price_minor: l.product.price_minor,
              discount_minor: 0,
            }),
          );

          // The ledger, as postEarnings writes it for this order.
          const reason = `order ${channel}/${sourceExternal}`;
          const memberAccount = isPending ? "member_pending" : "member_available";
          let firstEntry: string | null = null;
          for (const decision of earned.decisions) {
            if (decision.points <= 0) continue;
            const id = writeEntry(
              transfer(
                {
                  member_id: plan.member_id,
                  currency: "points",
                  kind: "earn",
                  reason: `${reason}: ${decision.rule_name}`,
                  rule_id: decision.rule_id,
                  source_type: "order",
                  source_id: orderId,
                  actor: "system:generate",
                  detail: { pending: isPending },
                  occurred_at: orderedAt,
                },
                "program_issued",
                memberAccount,
                decision.points,
              ),
            );
            firstEntry ??= id;
          }
          if (earned.growth > 0) {
            const base = earned.decisions.find((d) => d.kind === "base") ?? earned.decisions[0];
            writeEntry(
              transfer(
                {
                  member_id: plan.member_id,
                  currency: "growth",
                  kind: "earn",
                  reason,
                  rule_id: base?.rule_id ?? null,
                  source_type: "order",
                  source_id: orderId,
                  actor: "system:generate",
                  occurred_at: orderedAt,
                },
                "program_growth",
                "member_growth",
                earned.growth,
              ),
            );
            growthTotal += earned.growth;
          }
          if (earned.points > 0 && firstEntry) {
            const expiresAt = calendar.expiresAt(orderedAt);
            const lotId = seededId(ID_PREFIXES.lot, idMs(), random);
            const expired = !isPending && expiresAt !== null && expiresAt.getTime() <= nowMs;
            if (expired) {
              // What the expiry job posts once the lot's date has passed.
              writeEntry(
                transfer(
                  {
                    member_id: plan.member_id,
                    currency: "points",
                    kind: "expire",
                    reason: "points expired",
                    source_type: "order",
                    source_id: orderId,
                    actor: "system:expiry",
                    detail: { lot_id: lotId, expires_at: expiresAt.toISOString() },
                    occurred_at: expiresAt,
                  },
                  "member_available",
                  "program_expired",
                  earned.points,
                ),
              );
            } else if (isPending) pending += earned.points;
            else available += earned.points;
            tables.lots.push({
              tenant_id: t,
              lot_id: lotId,
              member_id: plan.member_id,
              entry_id: firstEntry,
              source_type: "order",
              source_id: orderId,
              amount: earned.points,
              remaining: expired ? 0 : earned.points,
              status: expired ? "closed" : isPending ? "pending" : "available",
              earned_at: orderedAt,
              available_at: isPending ? completesAt : orderedAt,
              expires_at: expiresAt,
            });
          }
        }
        tables.balances.push({
          tenant_id: t,
          member_id: plan.member_id,
          available,
          pending,
          growth: growthTotal,
          orders_count: times.length,
          first_order_at: times.length > 0 ? new Date(times[0] ?? 0) : null,
          last_order_at: times.length > 0 ? new Date(times[times.length - 1] ?? 0) : null,
          updated_at: at,
        });
      }
      await Promise.all(all.map((table) => table.flush()));
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(
          `${chunkEnd.toLocaleString("en")} members, ${tables.orders.rows.toLocaleString("en")} orders, ${Math.round((performance.now() - started) / 1000)} s`,
        );
      }
    }
    await Promise.all(all.map((table) => table.close()));
  } catch (error) {
    await Promise.allSettled(all.map((table) => table.close()));
    throw error;
  }
  const loadMs = performance.now() - started;
  const indexStarted = performance.now();
  for (const index of dropped) {
    await sql.raw(index.definition).execute(db);
  }
  await sql.raw(`ANALYZE ${LOADED_TABLES.join(", ")}`).execute(db);
  const indexMs = performance.now() - indexStarted;
  return {
    tenant_id: t,
    slug,
    members: tables.members.rows,
    orders: tables.orders.rows,
    rows: Object.fromEntries(all.map((table) => [table.table, table.rows])),
    load_ms: loadMs,
    index_ms: indexMs,
    total_ms: performance.now() - started,
  };
}

/**
 * For the workloads: a fresh database holding a generated brand, with a write API key. `drop()` removes it all.
 * With `BENCH_DATABASE` and `BENCH_TENANT` set, an existing generated brand (`generate --keep`) is used instead.
 */
export async function generatedBrand(
  prefix: string,
  options: GenerateOptions,
): Promise<{
  url: string;
  report: Pick<GenerateReport, "tenant_id" | "members" | "orders">;
  key: string;
  drop(): Promise<void>;
}> {
  const existing = process.env.BENCH_DATABASE;
  const tenantId = process.env.BENCH_TENANT;
  if (existing && tenantId) {
    const database = await openDatabase({ url: existing, poolSize: 2 });
    try {
      const counts = await sql<{ members: number; orders: number }>`
        SELECT (SELECT count(*) FROM members WHERE tenant_id = ${tenantId})::int AS members,
               (SELECT count(*) FROM orders WHERE tenant_id = ${tenantId})::int AS orders`.execute(
        database.db,
      );
      const key = await createApiKey(database.db, tenantId, { name: prefix, scope: "write" });
      return {
        url: existing,
        report: {
          tenant_id: tenantId,
          members: counts.rows[0]?.members ?? 0,
          orders: counts.rows[0]?.orders ?? 0,
        },
        key: key.key,
        drop: async () => {},
      };
    } finally {
      await database.close();
    }
  }
  const postgres = await freshPostgres(prefix);
  const database = await openDatabase({ url: postgres.url, poolSize: 2 });
  try {
    await migrate(database);
    const report = await generateBrand(database, postgres.url, { rebuildIndexes: true, ...options });
    const key = await createApiKey(database.db, report.tenant_id, { name: prefix, scope: "write" });
    return { url: postgres.url, report, key: key.key, drop: () => postgres.drop() };
  } finally {
    await database.close();
  }
}

// ——— npm run bench -- generate ———

function flag(name: string, fallback?: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const members = Number(flag("members", "10000"));
  const orders = Number(flag("orders", String(members * 10)));
  const seed = Number(flag("seed", "1"));
  const nowFlag = flag("now");
  let url = flag("database-url");
  let dbName: string | undefined;
  if (!url) {
    dbName = `bench_gen_${Date.now()}`;
    await admin(`CREATE DATABASE ${dbName}`);
    url = databaseUrl(dbName);
  }
  const database = await openDatabase({ url, poolSize: 2 });
  try {
    await migrate(database);
    const report = await generateBrand(database, url, {
      members,
      orders,
      seed,
      ...(nowFlag ? { now: new Date(nowFlag) } : {}),
      rebuildIndexes: dbName !== undefined || process.argv.includes("--rebuild-indexes"),
      log: (line) => console.log(line),
    });
    const rows = Object.values(report.rows).reduce((a, b) => a + b, 0);
    const size = await sql<{
      size: string;
    }>`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`.execute(database.db);
    console.log(`\n## Generated brand ${report.slug} (${report.tenant_id})\n`);
    console.log(`Machine: ${machine()}.`);
    console.log(
      `${report.members.toLocaleString("en")} members, ${report.orders.toLocaleString("en")} orders, ${rows.toLocaleString("en")} rows: ${JSON.stringify(report.rows)}`,
    );
    console.log(
      `COPY ${(report.load_ms / 1000).toFixed(1)} s (${Math.round(rows / (report.load_ms / 1000)).toLocaleString("en")} rows/s), indexes + ANALYZE ${(report.index_ms / 1000).toFixed(1)} s, total ${(report.total_ms / 60_000).toFixed(1)} min`,
    );
    console.log(
      `Peak RSS of the generator: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB. Database size: ${size.rows[0]?.size}.`,
    );
    if (process.argv.includes("--check")) {
      const { checkLedger } = await import("../src/points/audit.ts");
      const checkStarted = performance.now();
      const check = await checkLedger(database.db, report.tenant_id);
      console.log(
        `Ledger check: ${check.ok ? "ok" : check.problems.join("; ")} (${check.entries.toLocaleString("en")} entries, ${((performance.now() - checkStarted) / 1000).toFixed(1)} s)`,
      );
    }
  } finally {
    await database.close();
    if (dbName) {
      if (process.argv.includes("--keep")) console.log(`kept ${url}`);
      else await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    }
  }
}

if (process.argv[1]?.endsWith("run.ts") && process.argv[2] === "generate") await main();
