import { readFile } from "node:fs/promises";
import { sql } from "kysely";
import { DateTime } from "luxon";
import { importMembers, resolveMemberRefs } from "../../members/service.ts";
import type { Db } from "../../platform/db/database.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { type FieldError, Problem } from "../../platform/http/problems.ts";
import { getTenant } from "../../tenants/service.ts";
import { parseMinor } from "../adapters/money.ts";
import { ingestOrders, MAX_BATCH_ORDERS, type OrderInput } from "../ingest.ts";

/**
 * The CDNOW purchase log (real purchases at an online music store, 1997-98) as members and orders. The mapping is
 * documented in docs/import-cdnow.md. Parsing and planning are pure; `importCdnow` writes through the members and
 * orders use cases, in batches, and can be run again: what is already there is skipped.
 */

export const CDNOW_CHANNEL = "cdnow";
export const CDNOW_IDENTITY = "cdnow";
const CURRENCY = "USD";
const MAX_REPORTED_ERRORS = 20;

export interface CdnowRow {
  /** 1-based line in the file, for error messages. */
  line_no: number;
  customer_id: string;
  /** YYYYMMDD, as in the file. */
  date: string;
  cds: number;
  amount_minor: number;
}

/**
 * One line of either layout, told apart by column count: the master file's `customer_id date cds dollars` or the
 * sample's `customer_id sample_id date cds dollars`. Undefined for a blank line; errors name the line and column.
 */
export function parseCdnowLine(text: string, lineNo: number): CdnowRow | undefined | FieldError {
  const cols = text.trim().split(/\s+/);
  if (cols.length === 1 && cols[0] === "") return undefined;
  const at = (column: string) => `/${lineNo}/${column}`;
  const error = (column: string, message: string): FieldError => ({ in: "file", field: at(column), message });
  if (cols.length !== 4 && cols.length !== 5)
    return error(
      "",
      `expected 4 columns (customer_id date number_of_cds dollar_value) or 5 (with sample_id), found ${cols.length}`,
    );
  const [customer = "", date = "", cds = "", dollars = ""] =
    cols.length === 4 ? cols : [cols[0], cols[2], cols[3], cols[4]];
  if (!/^\d{1,12}$/.test(customer)) return error("customer_id", `"${customer}" is not a customer number`);
  const day = /^\d{8}$/.test(date) ? DateTime.fromFormat(date, "yyyyMMdd", { zone: "UTC" }) : undefined;
  if (!day?.isValid) return error("date", `"${date}" is not a date as YYYYMMDD`);
  if (!/^\d{1,6}$/.test(cds)) return error("number_of_cds", `"${cds}" is not a whole number of CDs`);
  try {
    return {
      line_no: lineNo,
      customer_id: customer,
      date,
      cds: Number(cds),
      amount_minor: parseMinor(dollars, CURRENCY, at("dollar_value")),
    };
  } catch (e) {
    if (e instanceof Problem) return error("dollar_value", e.message);
    throw e;
  }
}

/** Every row of a file, or a problem listing the first errors with their lines; the first line may be a header. */
export function parseCdnow(text: string): CdnowRow[] {
  const rows: CdnowRow[] = [];
  const errors: FieldError[] = [];
  let seenData = false;
  text.split("\n").forEach((line, i) => {
    // A header is a first non-blank line that does not start with a customer number.
    if (!seenData && line.trim() !== "" && !/^\s*\d/.test(line)) {
      seenData = true;
      return;
    }
    const parsed = parseCdnowLine(line, i + 1);
    if (parsed === undefined) return;
    seenData = true;
    if ("field" in parsed) errors.push(parsed);
    else rows.push(parsed);
  });
  const first = errors[0];
  if (first)
    throw new Problem("validation-failed", `line ${first.field.split("/")[1] ?? "?"}: ${first.message}`, {
      errors: errors.slice(0, MAX_REPORTED_ERRORS),
    });
  return rows;
}

export interface CdnowPlan {
  /** One per customer, in order of first purchase; they join at their first purchase. */
  members: { customer_id: string; joined_at: Date }[];
  /** One per row, oldest first. */
  orders: OrderInput[];
}

/**
 * Rows as members and orders. Several rows of one customer on one day stay separate orders (`…-1`, `…-2` in file
 * order). A row's time is noon of its day in the brand's zone: the file has dates only, and noon keeps the day the
 * same in any reading. One line "CD": the unit price is rounded up to the cent and the line discount takes the
 * difference, so the order totals the dollars exactly. A row of 0 CDs (none in the real file) is one unit.
 */
export function planCdnow(rows: CdnowRow[], timeZone: string): CdnowPlan {
  const perDay = new Map<string, number>();
  const firstPurchase = new Map<string, Date>();
  const orders = rows.map((row): OrderInput => {
    const key = `${row.customer_id}-${row.date}`;
    const k = (perDay.get(key) ?? 0) + 1;
    perDay.set(key, k);
    const noon = DateTime.fromFormat(`${row.date} 12:00`, "yyyyMMdd HH:mm", { zone: timeZone }).toJSDate();
    const first = firstPurchase.get(row.customer_id);
    if (!first || noon < first) firstPurchase.set(row.customer_id, noon);
    const quantity = Math.max(1, row.cds);
    const unit = Math.ceil(row.amount_minor / quantity);
    return {
      channel: CDNOW_CHANNEL,
      external_id: `${key}-${k}`,
      member: { identity: { kind: CDNOW_IDENTITY, value: row.customer_id } },
      currency: CURRENCY,
      ordered_at: noon,
      lines: [
        {
          sku: "CD",
          name: "CD",
          quantity,
          unit_price_minor: unit,
          discount_minor: unit * quantity - row.amount_minor,
        },
      ],
      paid_minor: row.amount_minor,
    };
  });
  const members = [...firstPurchase]
    .map(([customer_id, joined_at]) => ({ customer_id, joined_at }))
    .sort((a, b) => a.joined_at.getTime() - b.joined_at.getTime());
  // Oldest first across batches too: first-purchase bonuses and daily caps depend on order time.
  orders.sort((a, b) => a.ordered_at.getTime() - b.ordered_at.getTime());
  return { members, orders };
}

export interface CdnowImportOptions {
  /** Customers per member transaction and orders per ingest batch (at most 1000). */
  batchSize?: number;
  onProgress?: (progress: { phase: "members" | "orders"; done: number; total: number }) => void;
  now?: () => Date;
}

export interface CdnowImportResult {
  /** Members created (customers already imported are not counted). */
  customers: number;
  /** Orders created. */
  orders: number;
  /** Orders already there from an earlier run, which earned nothing again. */
  skipped: number;
  seconds: number;
}

/** Imports a CDNOW file (master or sample layout) into a USD brand. */
export async function importCdnow(
  db: Db,
  tenantId: string,
  filePath: string,
  options: CdnowImportOptions = {},
): Promise<CdnowImportResult> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const batchSize = Math.max(1, Math.min(options.batchSize ?? MAX_BATCH_ORDERS, MAX_BATCH_ORDERS));
  const tenant = await getTenant(db, tenantId);
  if (tenant.currency !== CURRENCY) {
    throw new Problem(
      "business-rule",
      `CDNOW amounts are US dollars, but brand "${tenant.slug}" keeps its books in ${tenant.currency}; import into a USD brand`,
    );
  }
  const plan = planCdnow(parseCdnow(await readFile(filePath, "utf8")), tenant.time_zone);

  // Members in bulk (identity only: the file has no phones), a batch per transaction; known customers are skipped.
  let customers = 0;
  for (let start = 0; start < plan.members.length; start += batchSize) {
    const batch = plan.members.slice(start, start + batchSize);
    customers += await db.transaction().execute(async (tx) => {
      const known = await resolveMemberRefs(
        tx,
        tenantId,
        batch.map((m) => ({ identity: { kind: CDNOW_IDENTITY, value: m.customer_id } })),
      );
      const fresh = batch.filter((_, i) => !known[i]);
      const created = await importMembers(
        tx,
        tenantId,
        fresh.map((m) => ({
          phone: null,
          identities: [{ kind: CDNOW_IDENTITY, value: m.customer_id }],
          name: null,
          gender: "unknown",
          birthday: null,
          region: null,
          consent: {},
          channel: CDNOW_CHANNEL,
          store_id: null,
          guide_id: null,
          scene_key: null,
          joined_at: m.joined_at,
        })),
        now(),
      );
      return created.length;
    });
    options.onProgress?.({
      phase: "members",
      done: Math.min(start + batchSize, plan.members.length),
      total: plan.members.length,
    });
  }

  let orders = 0;
  let skipped = 0;
  for (let start = 0; start < plan.orders.length; start += batchSize) {
    const batch = plan.orders.slice(start, start + batchSize);
    const results = await retryOnConflict(() =>
      db.transaction().execute((tx) => ingestOrders(tx, tenantId, batch, "import:cdnow", now())),
    );
    const created = results.filter((r) => r.created).length;
    orders += created;
    skipped += results.length - created;
    options.onProgress?.({
      phase: "orders",
      done: Math.min(start + batchSize, plan.orders.length),
      total: plan.orders.length,
    });
  }
  // Fresh statistics after a bulk load, so the next queries (the audience recompute an import calls for) plan
  // well at once; the embedded database would otherwise never gather them.
  await sql`ANALYZE`.execute(db);
  return { customers, orders, skipped, seconds: Math.round((performance.now() - started) / 10) / 100 };
}
