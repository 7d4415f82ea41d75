/**
 * Reply scripts with variables, pure: `{{member_name}}` and friends are replaced by their values; a variable
 * with no value stays visible as written and is reported, so the agent sees what to fill before sending.
 */

const VARIABLE = /\{\{\s*([a-z][a-z0-9_]{0,39})\s*\}\}/g;

export function variablesOf(body: string): string[] {
  return [...new Set([...body.matchAll(VARIABLE)].map((m) => m[1] ?? ""))];
}

export function render(
  body: string,
  values: Readonly<Record<string, string>>,
): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const text = body.replace(VARIABLE, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
  return { text, missing: [...missing] };
}
