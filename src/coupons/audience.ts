import { resolveMemberRefs } from "../members/service.ts";
import type { Executor } from "../platform/db/database.ts";
import { businessRule, type FieldError, Problem } from "../platform/http/problems.ts";

/**
 * Who a bulk issuance goes to. Today an explicit list of members; a saved segment plugs in here when segments
 * land (the audience capability will answer "which members are in segment X"), and nothing else changes.
 */
export type Audience = { member_ids: string[] } | { segment_id: string };

const ERRORS_LISTED_MAX = 100;

export async function resolveAudience(tx: Executor, tenantId: string, audience: Audience): Promise<string[]> {
  if ("segment_id" in audience)
    throw businessRule("segments are not available yet: send member_ids", "/audience/segment_id");
  const resolved = await resolveMemberRefs(
    tx,
    tenantId,
    audience.member_ids.map((member_id) => ({ member_id })),
  );
  const errors: FieldError[] = [];
  const members = new Set<string>();
  resolved.forEach((member, i) => {
    // A merged record resolves to its survivor; an erased one is gone.
    if (!member || member.status === "erased") {
      if (errors.length < ERRORS_LISTED_MAX)
        errors.push({
          in: "body",
          field: `/audience/member_ids/${i}`,
          message: "no such member in this brand",
        });
      return;
    }
    members.add(member.member_id);
  });
  if (errors.length > 0)
    throw new Problem("validation-failed", `${errors[0]?.field ?? ""}: no such member`, { errors });
  return [...members];
}
