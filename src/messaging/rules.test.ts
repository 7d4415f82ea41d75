import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  afterQuietHours,
  contentsVariables,
  nextMessageAttempt,
  pickLocale,
  render,
  suppression,
} from "./rules.ts";

describe("templates", () => {
  it("fills variables and reports the missing ones instead of sending blanks", () => {
    expect(render("Hi {{ member.name }}, {{points}} points", { "member.name": "Ada", points: 12 })).toEqual({
      text: "Hi Ada, 12 points",
      missing: [],
    });
    expect(render("{{a}} {{b}} {{b}}", { a: "x" })).toEqual({ text: "x {{b}} {{b}}", missing: ["b"] });
  });
  it("lists the variables of every channel and locale", () => {
    expect(
      contentsVariables({
        sms: { "zh-CN": { body: "{{points}}" } },
        email: { en: { subject: "{{member.name}}", body: "{{points}} {{date}}" } },
      }),
    ).toEqual(["date", "member.name", "points"]);
  });
  it("picks the request's, then the member's, then the brand's locale, by language when not exact", () => {
    const available = ["zh-CN", "en"];
    expect(pickLocale(available, ["en", "zh-CN"], "zh-CN")).toBe("en");
    expect(pickLocale(available, [undefined, "en-GB", "zh-CN"], "zh-CN")).toBe("en");
    expect(pickLocale(available, [undefined, "fr", "zh-TW"], "en")).toBe("zh-CN");
    expect(pickLocale(available, ["ja"], "en")).toBe("en");
    expect(pickLocale(["en"], ["ja"], "zh-CN")).toBe("en");
  });
});

describe("quiet hours", () => {
  const zone = "Asia/Shanghai";
  const quiet = { start: "21:00", end: "08:00" };
  const local = (iso: string) => DateTime.fromISO(iso, { zone }).toJSDate();

  it("defers a message asked for at night to 08:00 the next morning, brand-local", () => {
    expect(afterQuietHours(local("2026-03-01T22:30"), quiet, zone)).toEqual(local("2026-03-02T08:00"));
    expect(afterQuietHours(local("2026-03-02T03:00"), quiet, zone)).toEqual(local("2026-03-02T08:00"));
    expect(afterQuietHours(local("2026-03-02T08:00"), quiet, zone)).toEqual(local("2026-03-02T08:00"));
    expect(afterQuietHours(local("2026-03-02T20:59"), quiet, zone)).toEqual(local("2026-03-02T20:59"));
  });
  it("handles a window within one day, and none at all", () => {
    const lunch = { start: "12:00", end: "13:30" };
    expect(afterQuietHours(local("2026-03-02T12:10"), lunch, zone)).toEqual(local("2026-03-02T13:30"));
    expect(afterQuietHours(local("2026-03-02T14:00"), lunch, zone)).toEqual(local("2026-03-02T14:00"));
    expect(afterQuietHours(local("2026-03-02T23:00"), null, zone)).toEqual(local("2026-03-02T23:00"));
  });
  it("never sends inside the window, never moves a message earlier, and defers less than a day", () => {
    const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }));
    const hhmm = ([h, m]: [number, number]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2025-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }),
        time,
        time,
        fc.constantFrom("Asia/Shanghai", "America/New_York", "Europe/London"),
        (at, start, end, tz) => {
          const window = { start: hhmm(start), end: hhmm(end) };
          const due = afterQuietHours(at, window, tz);
          expect(due.getTime()).toBeGreaterThanOrEqual(at.getTime());
          expect(due.getTime() - at.getTime()).toBeLessThanOrEqual(25 * 3_600_000);
          // At the due time, deciding again changes nothing: it is outside the window.
          expect(afterQuietHours(due, window, tz)).toEqual(due);
        },
      ),
    );
  });
});

describe("who may receive", () => {
  const member = {
    status: "active" as const,
    consent: { sms: { granted: true } },
    address: "+8613800000000",
  };
  it("needs consent on the channel for marketing only", () => {
    expect(suppression("marketing", "sms", member)).toBeNull();
    expect(suppression("marketing", "email", { ...member, address: "a@b.example" })).toBe("no_consent");
    expect(suppression("transactional", "email", { ...member, address: "a@b.example" })).toBeNull();
    expect(suppression("marketing", "sms", { ...member, consent: { sms: { granted: false } } })).toBe(
      "no_consent",
    );
  });
  it("never messages a merged or erased member, nor one without an address", () => {
    expect(suppression("transactional", "sms", { ...member, status: "erased" })).toBe("member_inactive");
    expect(suppression("transactional", "sms", { ...member, status: "merged" })).toBe("member_inactive");
    expect(suppression("transactional", "sms", { ...member, address: null })).toBe("no_address");
  });
  it("retries a send four times before it fails", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(
      [1, 2, 3, 4].map((n) => ((nextMessageAttempt(n, now)?.getTime() ?? 0) - now.getTime()) / 1_000),
    ).toEqual([30, 120, 600, 3_600]);
    expect(nextMessageAttempt(5, now)).toBeNull();
  });
});
