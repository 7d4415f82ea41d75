import { describe, expect, it } from "vitest";
import { problemOf } from "./fixtures/index.ts";
import { currencyExponent, parseMinor, parseSignedMinor } from "./money.ts";

describe("money strings to minor units", () => {
  it("reads decimal strings exactly, whatever a float would make of them", () => {
    expect(parseMinor("19.99", "USD", "/p")).toBe(1999);
    expect(parseMinor("19.9", "USD", "/p")).toBe(1990);
    expect(parseMinor("19", "USD", "/p")).toBe(1900);
    expect(parseMinor("0.07", "CNY", "/p")).toBe(7);
    expect(parseMinor("007.50", "CNY", "/p")).toBe(750);
    // 1.005 * 100 is 100.49999999999999 as a float; as digits it is exact.
    expect(parseMinor("1.00", "USD", "/p") + parseMinor("0.29", "USD", "/p")).toBe(129);
    expect(parseMinor("4.35", "USD", "/p")).toBe(435);
    expect(parseMinor("1234567.89", "USD", "/p")).toBe(123_456_789);
  });

  it("uses the currency's ISO exponent", () => {
    expect(currencyExponent("CNY")).toBe(2);
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
    // ICU shows these without decimals; ISO 4217 books them in hundredths.
    expect(currencyExponent("HUF")).toBe(2);
    expect(parseMinor("1500", "JPY", "/p")).toBe(1500);
    expect(parseMinor("1.234", "KWD", "/p")).toBe(1234);
  });

  it("accepts surplus zeros but refuses surplus digits, naming the field", () => {
    expect(parseMinor("6.000", "USD", "/p")).toBe(600);
    expect(parseMinor("100.00", "JPY", "/p")).toBe(100);
    const tooPrecise = problemOf(() => parseMinor("19.999", "USD", "/line_items/0/price"));
    expect(tooPrecise.code).toBe("validation-failed");
    expect(tooPrecise.errors?.[0]?.field).toBe("/line_items/0/price");
    expect(tooPrecise.message).toMatch(/more than the 2 decimals USD has/);
    expect(problemOf(() => parseMinor("100.5", "JPY", "/p")).message).toMatch(/0 decimals JPY/);
  });

  it("refuses what is not a plain decimal", () => {
    for (const bad of ["", " 1.00", "1.00 ", "1e3", "1,000.00", ".50", "5.", "+5", "0x10", "NaN", "¥12"]) {
      expect(problemOf(() => parseMinor(bad, "CNY", "/total")).errors?.[0]?.field, bad).toBe("/total");
    }
    expect(problemOf(() => parseMinor("123456789012.00", "USD", "/total")).message).toMatch(/too large/);
  });

  it("reads signs only where a sign is allowed", () => {
    expect(parseSignedMinor("-10.00", "USD", "/t")).toBe(-1000);
    expect(parseSignedMinor("-0.00", "USD", "/t")).toBe(0);
    expect(problemOf(() => parseMinor("-1.00", "USD", "/t")).message).toMatch(/must not be negative/);
  });
});
