/**
 * ISO 4217 minor-unit exponents that are not 2. ICU's own table differs (it gives HUF and IDR 0 decimals for
 * display), and the exponent here must be the one amounts are booked in, so it is ISO's.
 */
const EXPONENT_NOT_TWO = new Map<string, number>([
  ...byExponent(0, "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"),
  ...byExponent(3, "BHD IQD JOD KWD LYD OMR TND"),
  ...byExponent(4, "CLF UYW"),
]);

function byExponent(exponent: number, codes: string): [string, number][] {
  return codes.split(" ").map((code) => [code, exponent]);
}

/** How many decimals a currency's minor unit has: 2 for CNY and USD, 0 for JPY, 3 for KWD. */
export function currencyExponent(currency: string): number {
  return EXPONENT_NOT_TWO.get(currency) ?? 2;
}

/** Minor units as the decimal people read: 1234 → "12.34" in CNY, "1234" in JPY, "1.234" in KWD. */
export function formatMinor(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  return (minor / 10 ** exponent).toFixed(exponent);
}
