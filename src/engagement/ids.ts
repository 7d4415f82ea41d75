import { typeid } from "typeid-js";

/**
 * Ids of what engagement creates, in the platform's TypeID format (prefix + time-ordered suffix). Kept here rather
 * than in platform/ids.ts so that this capability adds no line to a shared file.
 */
const PREFIXES = {
  task: "task",
  taskCompletion: "tcmp",
  referral: "rfl",
  trial: "trl",
  trialApplication: "tapp",
} as const;

export function engagementId(kind: keyof typeof PREFIXES): string {
  return typeid(PREFIXES[kind]).toString();
}
