import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { capOf, completesAgain, periodKey } from "./rules.ts";

describe("task rules", () => {
  it("completes once per N events, never beyond the period's cap", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("once" as const, "daily" as const, "weekly" as const),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 40 }),
        (period, events_required, max_completions_per_period, events) => {
          const task = { period, events_required, max_completions_per_period };
          let completions = 0;
          for (let n = 1; n <= events; n++) if (completesAgain(task, n, completions)) completions++;
          expect(completions).toBe(Math.min(Math.floor(events / events_required), capOf(task)));
        },
      ),
    );
  });

  it("puts events in the brand's day and ISO week", () => {
    // Sunday 8 November 23:59 and Monday 9 November 00:01 in Shanghai.
    const sunday = new Date("2026-11-08T15:59:00Z");
    const monday = new Date("2026-11-08T16:01:00Z");
    expect(periodKey("daily", sunday, "Asia/Shanghai")).toBe("2026-11-08");
    expect(periodKey("daily", monday, "Asia/Shanghai")).toBe("2026-11-09");
    expect(periodKey("weekly", sunday, "Asia/Shanghai")).toBe("2026-W45");
    expect(periodKey("weekly", monday, "Asia/Shanghai")).toBe("2026-W46");
    expect(periodKey("weekly", new Date("2027-01-01T04:00:00Z"), "Asia/Shanghai")).toBe("2026-W53");
    expect(periodKey("once", monday, "Asia/Shanghai")).toBe("once");
  });
});
