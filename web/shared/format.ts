// Numbers, money and times as a reader of the brand's locale expects them.
import type { Lang } from "./i18n.tsx";

const localeOf = (lang: Lang) => (lang === "zh-CN" ? "zh-CN" : "en-US");

/** Integer minor units (fen) as currency: 148000 → ¥1,480.00. */
export function money(minor: number | null | undefined, lang: Lang, currency = "CNY"): string {
  if (minor === null || minor === undefined) return "—";
  return new Intl.NumberFormat(localeOf(lang), { style: "currency", currency }).format(minor / 100);
}

export function num(value: number | null | undefined, lang: Lang, digits = 0): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: digits }).format(value);
}

export function percent(rate: number | null | undefined, lang: Lang): string {
  if (rate === null || rate === undefined) return "—";
  return new Intl.NumberFormat(localeOf(lang), { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

export function dateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(localeOf(lang), { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

export function date(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(localeOf(lang), { dateStyle: "medium" }).format(new Date(iso));
}

/** YYYY-MM-DD of a Date in local time (analytics ranges are brand calendar days). */
export function isoDay(value: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
