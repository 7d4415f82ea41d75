import type { RecencyFrequency } from "./bgnbd.ts";

/**
 * The CDNOW purchase logs (../shared/data), read for validating and timing the LTV models: the published
 * estimates on the 1/10 sample are the benchmark any implementation must reproduce. Pure: text in, summaries out.
 * Purchases of one customer on one day are one transaction, as in the literature.
 */

export interface Purchase {
  customer: string;
  /** Days since 1970-01-01. */
  day: number;
  value: number;
}

const DAY_MS = 86_400_000;

export function dayOf(yyyymmdd: string): number {
  const ms = Date.UTC(
    Number(yyyymmdd.slice(0, 4)),
    Number(yyyymmdd.slice(4, 6)) - 1,
    Number(yyyymmdd.slice(6, 8)),
  );
  return Math.round(ms / DAY_MS);
}

/** Both layouts: master `id date cds dollars` (with a header) and sample `id sample_id date cds dollars`. */
export function parseCdnowPurchases(text: string): Purchase[] {
  const purchases: Purchase[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || !/^\d+$/.test(cols[0] ?? "")) continue;
    const [customer = "", date = "", , dollars = ""] =
      cols.length === 5 ? [cols[0], cols[2], cols[3], cols[4]] : cols;
    if (!/^\d{8}$/.test(date)) throw new Error(`not a CDNOW line: ${line}`);
    purchases.push({ customer, day: dayOf(date), value: Number(dollars) });
  }
  return purchases;
}

export interface CustomerSummary extends RecencyFrequency {
  customer: string;
  /** Average value of the repeat transactions (the first excluded), when x > 0. */
  mean_value: number | undefined;
  /** Transactions after the calibration period, up to the holdout end. */
  holdout: number;
}

/** Summaries at the end of the calibration period, times in weeks from each customer's first purchase. */
export function summarize(
  purchases: readonly Purchase[],
  calibrationEndDay: number,
  holdoutEndDay = Infinity,
): CustomerSummary[] {
  const days = new Map<string, Map<number, number>>();
  for (const p of purchases) {
    const byDay = days.get(p.customer) ?? new Map<number, number>();
    byDay.set(p.day, (byDay.get(p.day) ?? 0) + p.value);
    days.set(p.customer, byDay);
  }
  const summaries: CustomerSummary[] = [];
  for (const [customer, byDay] of days) {
    const sorted = [...byDay.entries()].sort((a, b) => a[0] - b[0]);
    const calibration = sorted.filter(([day]) => day <= calibrationEndDay);
    const first = calibration[0];
    if (!first) continue;
    const last = calibration[calibration.length - 1] ?? first;
    const repeats = calibration.slice(1);
    const x = repeats.length;
    summaries.push({
      customer,
      x,
      t_x: (last[0] - first[0]) / 7,
      T: (calibrationEndDay - first[0]) / 7,
      mean_value: x > 0 ? repeats.reduce((sum, [, v]) => sum + v, 0) / x : undefined,
      holdout: sorted.filter(([day]) => day > calibrationEndDay && day <= holdoutEndDay).length,
    });
  }
  return summaries;
}
