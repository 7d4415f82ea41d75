// A message template as the console's form: one row per channel and locale (subject for email, body with
// {{variables}}), and back to the API's `contents` (channel → locale → text). Pure, so every template can be edited.

export type Channel = "sms" | "email" | "im";
export const CHANNELS: readonly Channel[] = ["sms", "email", "im"];
export const LOCALES = ["zh-CN", "en", "zh-TW", "ja", "ko"] as const;

type Text = { subject?: string; body: string };
export type Contents = Partial<Record<Channel, Record<string, Text>>>;

export interface MessageTemplate {
  template_id: string;
  code: string;
  name: string;
  category: string;
  default_locale: string;
  contents: Contents;
  variables: string[];
  active: boolean;
}

export interface TextRow {
  channel: Channel;
  locale: string;
  subject?: string;
  body: string;
}

export interface TemplateForm {
  code: string;
  name: string;
  category: "marketing" | "transactional";
  default_locale: string;
  texts: TextRow[];
}

export const TEMPLATE_FIELDS = ["code", "name", "category", "default_locale", "texts"];

export function toTemplateForm(tpl: MessageTemplate): TemplateForm {
  const texts = CHANNELS.flatMap((channel) =>
    Object.entries(tpl.contents[channel] ?? {}).map(([locale, text]) => ({
      channel,
      locale,
      ...(text.subject ? { subject: text.subject } : {}),
      body: text.body,
    })),
  );
  return {
    code: tpl.code,
    name: tpl.name,
    category: tpl.category === "transactional" ? "transactional" : "marketing",
    default_locale: tpl.default_locale,
    texts,
  };
}

export function contentsOf(rows: readonly TextRow[]): Contents {
  const contents: Contents = {};
  for (const row of rows) {
    const text: Text = {
      ...(row.channel === "email" && row.subject ? { subject: row.subject } : {}),
      body: row.body,
    };
    contents[row.channel] = { ...contents[row.channel], [row.locale]: text };
  }
  return contents;
}

/** The first row naming a channel and locale another row already named, if any. */
export function duplicateRow(rows: readonly (TextRow | undefined)[]): number | undefined {
  const seen = new Set<string>();
  for (const [index, row] of rows.entries()) {
    if (!row?.channel || !row.locale) continue;
    const key = `${row.channel}/${row.locale}`;
    if (seen.has(key)) return index;
    seen.add(key);
  }
  return undefined;
}

/** Where the API's problem with `contents.<channel>.<locale>.<part>` goes: that row's subject or body. */
export function textAliases(rows: readonly (TextRow | undefined)[]): Record<string, string> {
  const aliases: Record<string, string> = {};
  rows.forEach((row, index) => {
    if (!row?.channel || !row.locale) return;
    const at = `contents.${row.channel}.${row.locale}`;
    aliases[at] = `texts.${index}.body`;
    aliases[`${at}.body`] = `texts.${index}.body`;
    aliases[`${at}.subject`] = `texts.${index}.subject`;
  });
  return aliases;
}
