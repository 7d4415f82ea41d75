import { DateTime, IANAZone } from "luxon";

/** When points earned at a moment expire. Every expiry falls at the end of a day in the brand's time zone. */
export type ExpiryPolicy =
  | { kind: "never" }
  /** N days after the day they were earned, at that day's end. */
  | { kind: "rolling_days"; days: number }
  /** At the end of the month/quarter/year, `periods_after` periods after the one they were earned in (0: the same). */
  | { kind: "period_end"; period: "month" | "quarter" | "year"; periods_after: number }
  /** All points expire at the end of one date; points earned after it do not expire until the policy changes. */
  | { kind: "fixed_date"; date: string };

export function expiresAt(earnedAt: Date, policy: ExpiryPolicy, timeZone: string): Date | null {
  const local = DateTime.fromJSDate(earnedAt, { zone: timeZone });
  switch (policy.kind) {
    case "never":
      return null;
    case "rolling_days":
      return local.plus({ days: policy.days }).endOf("day").toJSDate();
    case "period_end": {
      const unit = policy.period;
      const shift =
        unit === "quarter"
          ? { quarters: policy.periods_after }
          : unit === "month"
            ? { months: policy.periods_after }
            : { years: policy.periods_after };
      return local.startOf(unit).plus(shift).endOf(unit).toJSDate();
    }
    case "fixed_date": {
      const end = DateTime.fromISO(policy.date, { zone: timeZone }).endOf("day");
      return end.toMillis() >= local.toMillis() ? end.toJSDate() : null;
    }
  }
}

/** The calendar day (YYYY-MM-DD) of an instant in the brand's time zone. */
export function localDay(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate() ?? "";
}

/** Day of week 1 (Monday) … 7 (Sunday) and day of month, in the brand's time zone. */
export function localCalendar(at: Date, timeZone: string): { weekday: number; day: number; month: number } {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  return { weekday: local.weekday, day: local.day, month: local.month };
}

/** The instants bounding the brand-local day that contains `at`. */
export function localDayBounds(at: Date, timeZone: string): { start: Date; end: Date } {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  return {
    start: local.startOf("day").toJSDate(),
    end: local.endOf("day").plus({ milliseconds: 1 }).toJSDate(),
  };
}

export interface LocalFacts {
  /** YYYY-MM-DD in the brand's zone. */
  day: string;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  day_of_month: number;
}

/**
 * Calendar facts for many instants in one zone, fast: the zone's offset is looked up per instant and the rest is
 * arithmetic, and expiry is computed once per local day. Ingesting a batch of orders calls this per order.
 */
export function zoneCalendar(timeZone: string, policy: ExpiryPolicy) {
  const zone = IANAZone.create(timeZone);
  const expiryByDay = new Map<string, Date | null>();
  // Luxon finds an offset through Intl (the slowest step of a batch's calendar work). Zones change offset only on
  // a quarter hour, so one lookup serves every instant of the same quarter hour.
  const offsets = new Map<number, number>();
  const offsetAt = (ms: number): number => {
    const slot = Math.floor(ms / 900_000);
    let offset = offsets.get(slot);
    if (offset === undefined) {
      offset = zone.offset(ms);
      offsets.set(slot, offset);
    }
    return offset;
  };
  const facts = (at: Date): LocalFacts => {
    const local = new Date(at.getTime() + offsetAt(at.getTime()) * 60_000);
    const weekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
    return { day: local.toISOString().slice(0, 10), weekday, day_of_month: local.getUTCDate() };
  };
  return {
    facts,
    /** Same as expiresAt(), memoised by local day (every policy expires at a day's end, so the day decides). */
    expiresAt(at: Date): Date | null {
      const { day } = facts(at);
      if (!expiryByDay.has(day)) expiryByDay.set(day, expiresAt(at, policy, timeZone));
      return expiryByDay.get(day) ?? null;
    },
  };
}
