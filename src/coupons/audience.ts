import { resolveMemberRefs } from "../members/service.ts";
import type { Executor } from "../platform/db/database.ts";
import { segmentMemberIds } from "../audience/segments/service.ts";
import { businessRule, type FieldError, invalidField, Problem } from "../platform/http/problems.ts";

/** Who a bulk issuance goes to: an explicit list of members, or the members of a saved segment right now. */
export type Audience = { member_ids: string[] } | { segment_id: string };

const ERRORS_LISTED_MAX = 100;

export async function resolveAudience(
  tx: Executor,
  tenantId: string,
  audience: Audience,
  max: number,
): Promise<string[]> {
  if ("segment_id" in audience) {
    const segment = await segmentMemberIds(tx, tenantId, audience.segment_id, max).catch((error: unknown) => {
      if (error instanceof Problem && error.code === "not-found")
        throw invalidField("/audience/segment_id", `no segment ${audience.segment_id}`);
      throw error;
    });
    if (segment.more)
      throw businessRule(
        `the segment has more than ${max} members: give them the coupon with a campaign (a coupon action on this segment, POST /v1/campaigns/{id}/runs works it in pages and resumes), or issue in parts with member_ids`,
        "/audience/segment_id",
      );
    return segment.member_ids;
  }
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
