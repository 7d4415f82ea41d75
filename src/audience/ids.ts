import { typeid } from "typeid-js";

/**
 * Ids of what the audience capability creates, in the platform's TypeID format (prefix + time-ordered suffix).
 * Kept here rather than in platform/ids.ts so that this capability adds no line to a shared file.
 */
const PREFIXES = {
  tagGroup: "tgrp",
  tag: "tag",
  segment: "seg",
  ltvModel: "ltvm",
  recomputeRun: "arun",
} as const;

export function audienceId(kind: keyof typeof PREFIXES): string {
  return typeid(PREFIXES[kind]).toString();
}
