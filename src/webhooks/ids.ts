import { typeid } from "typeid-js";

/** Ids of what this capability creates, kept here so it adds no line to platform/ids.ts. */
const PREFIXES = { endpoint: "whep", delivery: "whdl" } as const;

export function webhookId(kind: keyof typeof PREFIXES): string {
  return typeid(PREFIXES[kind]).toString();
}
