import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { expiresAt, localCalendar, localDay, zoneCalendar } from "./expiry.ts";

const SHANGHAI = "Asia/Shanghai";
// 2026-03-15 01:30 in Shanghai is still 2026-03-14 in UTC.
const EARNED = new Date("2026-03-14T17:30:00Z");

describe("points expiry", () => {
  it("puts rolling expiry at the end of the brand-local day N days later", () => {
    expect(expiresAt(EARNED, { kind: "rolling_days", days: 365 }, SHANGHAI)?.toISOString()).toBe(
      "2027-03-15T15:59:59.999Z",
    );
  });

  it("expires at the end of the following year for 'period_end year +1'", () => {
    expect(
      expiresAt(EARNED, { kind: "period_end", period: "year", periods_after: 1 }, SHANGHAI)?.toISOString(),
    ).toBe("2027-12-31T15:59:59.999Z");
  });

  it("expires at the end of the same quarter for 'period_end quarter +0'", () => {
    expect(
      expiresAt(EARNED, { kind: "period_end", period: "quarter", periods_after: 0 }, SHANGHAI)?.toISOString(),
    ).toBe("2026-03-31T15:59:59.999Z");
  });

  it("handles month ends of different lengths", () => {
    const jan31 = new Date("2026-01-31T04:00:00Z");
    expect(
      expiresAt(jan31, { kind: "period_end", period: "month", periods_after: 1 }, SHANGHAI)?.toISOString(),
    ).toBe("2026-02-28T15:59:59.999Z");
  });

  it("never expires under 'never', and not after a fixed date has passed", () => {
    expect(expiresAt(EARNED, { kind: "never" }, SHANGHAI)).toBeNull();
    expect(expiresAt(EARNED, { kind: "fixed_date", date: "2026-12-31" }, SHANGHAI)?.toISOString()).toBe(
      "2026-12-31T15:59:59.999Z",
    );
    expect(expiresAt(EARNED, { kind: "fixed_date", date: "2026-01-01" }, SHANGHAI)).toBeNull();
  });

  it("follows the brand's zone, not the server's, for calendar days", () => {
    expect(localDay(EARNED, SHANGHAI)).toBe("2026-03-15");
    expect(localDay(EARNED, "America/New_York")).toBe("2026-03-14");
    expect(localCalendar(EARNED, SHANGHAI)).toEqual({ weekday: 7, day: 15, month: 3 });
  });

  it("gives the same calendar facts and expiry by the fast path as by Luxon, in any zone", () => {
    const zones = [
      "Asia/Shanghai",
      "America/New_York",
      "Europe/London",
      "Australia/Adelaide",
      "Pacific/Chatham",
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        (zone, ms) => {
          const at = new Date(ms);
          const policy = { kind: "period_end" as const, period: "month" as const, periods_after: 2 };
          const fast = zoneCalendar(zone, policy);
          const slow = localCalendar(at, zone);
          expect(fast.facts(at)).toEqual({
            day: localDay(at, zone),
            weekday: slow.weekday,
            day_of_month: slow.day,
          });
          expect(fast.expiresAt(at)).toEqual(expiresAt(at, policy, zone));
        },
      ),
    );
  });
  it("keeps each instant's local day right across offset changes when one calendar serves a whole batch", () => {
    // Minutes across 2026's changes, in zones whose offsets move by an hour or by 45 minutes; Santiago's clocks
    // change at midnight, so there a wrong offset puts an instant on the wrong day.
    const spans: [string, number][] = [
      ["America/Santiago", Date.UTC(2026, 3, 5, 1)],
      ["America/Santiago", Date.UTC(2026, 8, 6, 2)],
      ["America/New_York", Date.UTC(2026, 2, 8, 6)],
      ["America/New_York", Date.UTC(2026, 10, 1, 5)],
      ["Australia/Adelaide", Date.UTC(2026, 3, 4, 15)],
      ["Pacific/Chatham", Date.UTC(2026, 8, 26, 13)],
      ["Europe/London", Date.UTC(2026, 2, 29, 0)],
    ];
    for (const [zone, start] of spans) {
      const calendar = zoneCalendar(zone, { kind: "rolling_days", days: 30 });
      for (let minute = 0; minute < 240; minute += 1) {
        const at = new Date(start + minute * 60_000 + 59_000);
        expect(calendar.facts(at).day, `${zone} ${at.toISOString()}`).toBe(localDay(at, zone));
        expect(calendar.expiresAt(at)).toEqual(expiresAt(at, { kind: "rolling_days", days: 30 }, zone));
      }
    }
  });
});
