import { typeid } from "typeid-js";

/** Ids of what this capability creates, kept here so it adds no line to platform/ids.ts. */
const PREFIXES = { template: "mtpl", message: "msg" } as const;

export function messagingId(kind: keyof typeof PREFIXES): string {
  return typeid(PREFIXES[kind]).toString();
}
