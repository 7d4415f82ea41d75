import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidCardNo, luhnDigit, maskPhone, newCardNo, normalizePhone } from "./rules.ts";

describe("phone numbers", () => {
  it("normalises Chinese mobiles written in the usual ways to E.164", () => {
    for (const raw of ["13812345678", "138 1234 5678", "+86 138-1234-5678", "0086 13812345678"]) {
      expect(normalizePhone(raw, "CN"), raw).toBe("+8613812345678");
    }
  });

  it("reads numbers with a country code whatever the brand's country", () => {
    expect(normalizePhone("+1 415 555 2671", "CN")).toBe("+14155552671");
  });

  it("rejects what is not a phone number", () => {
    for (const raw of ["", "12345", "abc", "1381234567", "+86 000 0000 0000"])
      expect(normalizePhone(raw, "CN"), raw).toBeUndefined();
  });

  it("masks the middle of a number for store staff", () => {
    expect(maskPhone("+8613812345678")).toBe("+86 138****5678");
    expect(maskPhone(null)).toBeNull();
  });
});

describe("card numbers", () => {
  it("are 12 digits with a valid Luhn check digit", () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const card = newCardNo();
        expect(card).toMatch(/^8\d{11}$/);
        expect(isValidCardNo(card)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("catch any single mistyped digit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
        const card = newCardNo();
        const digit = (Number(card[position]) + delta) % 10;
        const typo = card.slice(0, position) + String(digit) + card.slice(position + 1);
        expect(isValidCardNo(typo)).toBe(false);
      }),
    );
  });

  it("computes the Luhn digit of a known number", () => {
    expect(luhnDigit("7992739871")).toBe(3);
  });
});
