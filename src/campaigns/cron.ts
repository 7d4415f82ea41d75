import { DateTime } from "luxon";

/**
 * Five-field cron (minute hour day-of-month month day-of-week) read in the brand's time zone: "0 10 * * 2,5" is
 * 10:00 on Tuesdays and Fridays in Shanghai for a Shanghai brand, whatever the server's zone. Fields take `*`,
 * numbers, ranges `a-b`, steps `*∕n` and `a-b/n`, and lists of these. Day of week is 0–7 (0 and 7 are Sunday).
 * As in Vixie cron, when both day fields are restricted a day matching either one is due.
 */

export interface Cron {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

/** The longest catch-up the scheduler looks back over (a process down for longer runs the latest due minute once). */
export const MAX_LOOKBACK_MINUTES = 7 * 24 * 60;

function parseField(text: string, min: number, max: number, name: string): Set<number> | string {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!match) return `${name}: "${part}" is not a number, range, list or step`;
    const [, whole, from, to, step] = match;
    const start = whole === "*" ? min : Number(from);
    const end = whole === "*" ? max : to !== undefined ? Number(to) : step !== undefined ? max : start;
    const by = step === undefined ? 1 : Number(step);
    if (start < min || end > max || start > end) return `${name}: ${part} is outside ${min}–${max}`;
    if (by < 1) return `${name}: a step must be at least 1`;
    for (let v = start; v <= end; v += by) values.add(v);
  }
  return values;
}

/** The cron, or a message saying what is wrong with it. */
export function parseCron(expression: string): Cron | string {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) return "a cron has five fields: minute hour day-of-month month day-of-week";
  const sets: Set<number>[] = [];
  for (const [i, field] of FIELDS.entries()) {
    const parsed = parseField(parts[i] ?? "", field.min, field.max, field.name);
    if (typeof parsed === "string") return parsed;
    sets.push(parsed);
  }
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.has(7)) weekdays.add(0);
  return {
    minutes,
    hours,
    days,
    months,
    weekdays,
    daysRestricted: parts[2] !== "*",
    weekdaysRestricted: parts[4] !== "*",
  };
}

/** Whether the cron is due at this brand-local minute. `weekday`: 0 = Sunday … 6 = Saturday. */
export function cronMatches(
  cron: Cron,
  local: { minute: number; hour: number; day: number; month: number; weekday: number },
): boolean {
  if (!cron.minutes.has(local.minute) || !cron.hours.has(local.hour) || !cron.months.has(local.month))
    return false;
  const dayOk = cron.days.has(local.day);
  const weekdayOk = cron.weekdays.has(local.weekday);
  if (cron.daysRestricted && cron.weekdaysRestricted) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}

/**
 * The latest minute in (after, upTo] at which the cron is due in the time zone, or undefined. A scheduler that
 * fell behind runs the campaign once for the latest due minute, not once per missed minute.
 */
export function latestDueMinute(cron: Cron, after: Date, upTo: Date, timeZone: string): Date | undefined {
  const MINUTE_MS = 60_000;
  const last = Math.floor(upTo.getTime() / MINUTE_MS) * MINUTE_MS;
  const first = Math.max(
    Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS,
    last - MAX_LOOKBACK_MINUTES * MINUTE_MS,
  );
  for (let t = last; t >= first; t -= MINUTE_MS) {
    const local = DateTime.fromMillis(t, { zone: timeZone });
    const due = cronMatches(cron, {
      minute: local.minute,
      hour: local.hour,
      day: local.day,
      month: local.month,
      weekday: local.weekday % 7,
    });
    if (due) return new Date(t);
  }
  return undefined;
}
