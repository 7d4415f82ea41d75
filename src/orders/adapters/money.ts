import { invalidField } from "../../platform/http/problems.ts";
import { currencyExponent } from "../../platform/money.ts";

export { currencyExponent };

/**
 * Decimal money strings from other systems ("19.99") as integer minor units, exactly: the digits are read as
 * digits, never through a float, so 0.1 + 0.2 problems cannot reach the ledger.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** Digits before the point that surely keep the result a safe integer (2^53 ≈ 9.007e15) at any exponent ≤ 4. */
const MAX_WHOLE_DIGITS = 11;

/**
 * A signed decimal string as minor units of `currency`. More decimals than the currency has are refused unless
 * they are zeros ("6.000" is 600 cents; "6.001" is an error): a shop set to 3 decimals still books whole cents.
 * `field` is the JSON pointer named in the problem.
 */
export function parseSignedMinor(value: string, currency: string, field: string): number {
  const match = DECIMAL.exec(value);
  if (!match) throw invalidField(field, `"${value}" is not a decimal amount such as 19.99`);
  const [, sign = "", whole = "", fraction = ""] = match;
  const exponent = currencyExponent(currency);
  const kept = fraction.slice(0, exponent);
  if (/[^0]/.test(fraction.slice(exponent))) {
    throw invalidField(field, `"${value}" has more than the ${exponent} decimals ${currency} has`);
  }
  const digits = whole.replace(/^0+(?=\d)/, "");
  if (digits.length > MAX_WHOLE_DIGITS) throw invalidField(field, `"${value}" is too large`);
  const minor = Number(digits) * 10 ** exponent + Number(kept.padEnd(exponent, "0") || "0");
  return sign === "-" && minor !== 0 ? -minor : minor;
}

/** Like `parseSignedMinor`, for amounts that cannot be negative (prices, totals). */
export function parseMinor(value: string, currency: string, field: string): number {
  const minor = parseSignedMinor(value, currency, field);
  if (minor < 0) throw invalidField(field, `"${value}" must not be negative`);
  return minor;
}
