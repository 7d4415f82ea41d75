import { DateTime } from "luxon";
import { invalidField } from "../../platform/http/problems.ts";

/**
 * Reporting periods in the brand's calendar: a range of local days [from, to] and an interval (day, week
 * starting Monday, month). Bounded so that a series never has more than MAX_POINTS points.
 */

export type Interval = "day" | "week" | "month";
export const MAX_POINTS = 1_100;
const DEFAULT_DAYS = 30;

export interface Period {
  interval: Interval;
  /** First local day, YYYY-MM-DD. */
  from: string;
  /** Last local day, inclusive. */
  to: string;
  /** The instants bounding the range: from's local midnight, and the midnight after `to`. */
  start: Date;
  end: Date;
  time_zone: string;
}

export function parsePeriod(
  query: { from?: string | undefined; to?: string | undefined; interval?: Interval | undefined },
  timeZone: string,
  now: Date,
): Period {
  const interval = query.interval ?? "day";
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf("day");
  const to = query.to === undefined ? today : DateTime.fromISO(query.to, { zone: timeZone });
  const from =
    query.from === undefined
      ? to.minus({ days: DEFAULT_DAYS - 1 })
      : DateTime.fromISO(query.from, { zone: timeZone });
  if (!from.isValid) throw invalidField("/from", "must be a date as YYYY-MM-DD", "query");
  if (!to.isValid) throw invalidField("/to", "must be a date as YYYY-MM-DD", "query");
  if (from > to) throw invalidField("/from", "must not be after to", "query");
  const points =
    Math.ceil(
      to
        .diff(from, interval === "week" ? "weeks" : interval === "month" ? "months" : "days")
        .as(interval === "week" ? "weeks" : interval === "month" ? "months" : "days"),
    ) + 1;
  if (points > MAX_POINTS)
    throw invalidField("/from", `the range has ${points} ${interval}s; at most ${MAX_POINTS}`, "query");
  return {
    interval,
    from: from.toISODate() ?? "",
    to: to.toISODate() ?? "",
    start: from.startOf("day").toJSDate(),
    end: to.plus({ days: 1 }).startOf("day").toJSDate(),
    time_zone: timeZone,
  };
}
