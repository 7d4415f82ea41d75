import { describe, expect, it } from "vitest";
import { expiresAt, localCalendar, localDay } from "./expiry.ts";

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
});
