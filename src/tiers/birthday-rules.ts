import { DateTime } from "luxon";

/**
 * Which birthdays a run of the birthday job keeps (pure: the instant and the brand's zone are passed in).
 *
 * A birthday is kept on its brand-local day; 29 February on 28 February in a common year. A run also keeps the
 * birthdays of the BIRTHDAY_CATCH_UP_DAYS days before today, for the gifts a run that did not happen (every process
 * down, the queue stalled) would have given; the once-a-year record makes the overlap of runs harmless.
 */

/** Days after the birthday on which a gift not yet given is still given. */
export const BIRTHDAY_CATCH_UP_DAYS = 2;

export interface MonthDay {
  month: number;
  day: number;
}

export interface BirthdayDay {
  /** The brand-local calendar day, YYYY-MM-DD. */
  day: string;
  /** Its year: a member gets one birthday gift per year. */
  year: number;
  /** When the day ends: a member who joined after it gets nothing for it. */
  ends_at: Date;
  /** The birthdays kept on this day: its own month and day, and 29 February on 28 February of a common year. */
  birthdays: MonthDay[];
}

/** Today and the catch-up days before it, in the brand's zone, newest first. */
export function birthdayDays(
  now: Date,
  timeZone: string,
  catchUpDays: number = BIRTHDAY_CATCH_UP_DAYS,
): BirthdayDay[] {
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf("day");
  const days: BirthdayDay[] = [];
  for (let back = 0; back <= catchUpDays; back++) {
    const local = today.minus({ days: back });
    const birthdays: MonthDay[] = [{ month: local.month, day: local.day }];
    if (local.month === 2 && local.day === 28 && !local.isInLeapYear) birthdays.push({ month: 2, day: 29 });
    days.push({
      day: local.toISODate() ?? "",
      year: local.year,
      ends_at: local.plus({ days: 1 }).toJSDate(),
      birthdays,
    });
  }
  return days;
}

/** The day (YYYY-MM-DD) a birthday (YYYY-MM-DD) is kept in `year`: 29 February on 28 February in a common year. */
export function birthdayIn(birthday: string, year: number): string {
  const monthDay = birthday.slice(5);
  const leap = DateTime.local(year, 1, 1).isInLeapYear;
  return `${String(year).padStart(4, "0")}-${monthDay === "02-29" && !leap ? "02-28" : monthDay}`;
}

/**
 * The day among `days` on which this member's birthday gift is due, if any: a member without a birthday has
 * none, and a member who joined after the day ended gets nothing for it. (The job's query asks the same in SQL.)
 */
export function dueBirthday(
  birthday: string | null,
  joinedAt: Date,
  days: readonly BirthdayDay[],
): BirthdayDay | undefined {
  if (birthday === null) return undefined;
  return days.find((d) => birthdayIn(birthday, d.year) === d.day && joinedAt < d.ends_at);
}
