import { DateTime } from "luxon";
import type { Contents } from "./schemas.ts";
import type { MessageCategory, MessageChannel } from "./tables.ts";

/** Pure decisions of messaging: which text, in which language, to whom, and when. */

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

/** The variables a text uses, in order of first use. */
export function variablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1] ?? ""))];
}

export function contentsVariables(contents: Contents): string[] {
  const texts = Object.values(contents).flatMap((perLocale) =>
    Object.values(perLocale ?? {}).flatMap((c) => [c.subject ?? "", c.body]),
  );
  return [...new Set(texts.flatMap(variablesOf))].sort();
}

export type Variables = Record<string, string | number | boolean>;

/** Fills `{{name}}` from the variables; names without a value are reported, never sent as blanks. */
export function render(text: string, variables: Variables): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(VARIABLE, (whole, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      missing.push(name);
      return whole;
    }
    return String(value);
  });
  return { text: out, missing: [...new Set(missing)] };
}

/**
 * The template's locale for the first wanted one it can serve (the request's, then the member's, then the
 * brand's), exactly or by language ("en" for "en-GB"), else the template's default.
 */
export function pickLocale(
  available: readonly string[],
  wanted: readonly (string | undefined)[],
  fallback: string,
): string {
  const candidates = wanted.filter((w): w is string => typeof w === "string" && w.length > 0);
  for (const want of candidates) {
    const exact = available.find((a) => a.toLowerCase() === want.toLowerCase());
    if (exact) return exact;
    const language = want.split("-")[0]?.toLowerCase();
    const sameLanguage = available.find((a) => a.split("-")[0]?.toLowerCase() === language);
    if (sameLanguage) return sameLanguage;
  }
  return available.includes(fallback) ? fallback : (available[0] ?? fallback);
}

export interface QuietHours {
  start: string;
  end: string;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * When a marketing message asked for at `at` may go: `at` itself outside quiet hours, else the window's end in the
 * brand's time zone. A window may cross midnight (21:00–08:00); equal start and end means no quiet hours.
 */
export function afterQuietHours(at: Date, quiet: QuietHours | null, timeZone: string): Date {
  if (!quiet) return at;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return at;
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const now = local.hour * 60 + local.minute;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return at;
  let release = local.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  if (release <= local) release = release.plus({ days: 1 });
  return release.toJSDate();
}

export interface Recipient {
  status: "active" | "prospect" | "merged" | "erased";
  consent: Partial<Record<MessageChannel, { granted: boolean }>>;
  address: string | null;
}

/** Why a message must not go to this member on this channel, or null when it may. */
export function suppression(
  category: MessageCategory,
  channel: MessageChannel,
  member: Recipient,
): string | null {
  if (member.status === "merged" || member.status === "erased") return "member_inactive";
  if (!member.address) return "no_address";
  // Consent governs marketing; a code or an order notice the member asked for needs none (PIPL: necessary to serve).
  if (category === "marketing" && member.consent[channel]?.granted !== true) return "no_consent";
  return null;
}

/** Seconds to wait after each failed send; after the last a message has failed. */
export const MESSAGE_RETRY_SECONDS = [30, 120, 600, 3_600] as const;

export function nextMessageAttempt(attempts: number, now: Date): Date | null {
  const seconds = MESSAGE_RETRY_SECONDS[attempts - 1];
  return seconds === undefined ? null : new Date(now.getTime() + seconds * 1_000);
}
