import { randomInt } from "node:crypto";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

/** A phone number in E.164 form ("+8613812345678"), or undefined when it is not a valid number. */
export function normalizePhone(raw: string, defaultCountry: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  if (!parsed?.isValid()) return undefined;
  return parsed.number;
}

/** "+86 138****5678": enough for staff to recognise a member, not enough to call them. */
export function maskPhone(e164: string | null): string | null {
  if (e164 === null) return null;
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return `${e164.slice(0, 3)}****`;
  const national = parsed.nationalNumber;
  const keep = Math.min(4, Math.max(0, national.length - 4));
  const tail = national.slice(-4);
  return `+${parsed.countryCallingCode} ${national.slice(0, keep === 4 ? 3 : keep)}****${tail}`;
}

/** Luhn check digit, so a mistyped card number is caught at the till. */
export function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidCardNo(cardNo: string): boolean {
  return /^\d{12}$/.test(cardNo) && luhnDigit(cardNo.slice(0, 11)) === Number(cardNo[11]);
}

/** A 12-digit card number: "8" + 10 random digits + a Luhn digit. Random, so it reveals no member count. */
export function newCardNo(): string {
  let body = "8";
  for (let i = 0; i < 10; i++) body += String(randomInt(0, 10));
  return body + String(luhnDigit(body));
}

/** The member's age at `on`, or undefined without a birthday. */
export function ageOn(birthday: string | null, on: Date): number | undefined {
  if (!birthday) return undefined;
  const [y, m, d] = birthday.split("-").map(Number) as [number, number, number];
  let age = on.getUTCFullYear() - y;
  if (on.getUTCMonth() + 1 < m || (on.getUTCMonth() + 1 === m && on.getUTCDate() < d)) age--;
  return age;
}
