import { typeid } from "typeid-js";

/**
 * Ids of what campaigns create, in the platform's TypeID format (prefix + time-ordered suffix). Kept here rather than
 * in platform/ids.ts so that this capability adds no line to a shared file.
 */
const PREFIXES = {
  campaign: "cmp",
} as const;

export function campaignId(kind: keyof typeof PREFIXES): string {
  return typeid(PREFIXES[kind]).toString();
}
