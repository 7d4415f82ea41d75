import { listIdentities, memberTimeline, getMember } from "../members/service.ts";
import type { Db } from "../platform/db/database.ts";
import { registerBuiltInPersonalData } from "./builtin.ts";
import { getErasure } from "./erasure.ts";
import { allPages, EXPORT_PAGE_SIZE } from "./pages.ts";
import { personalDataHandlers } from "./registry.ts";

/**
 * Everything Enclave holds about a member (GDPR art. 15 and 20, PIPL art. 45): the member record and identities,
 * every registered capability's section, and the member's timeline, read in one snapshot so the parts agree.
 */
export async function exportMemberData(db: Db, tenantId: string, memberId: string, now: Date) {
  registerBuiltInPersonalData();
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (tx) => {
      const member = await getMember(tx, tenantId, memberId);
      const sections: Record<string, unknown> = {};
      for (const handler of personalDataHandlers()) {
        sections[handler.name] = await handler.export(tx, tenantId, memberId, { now });
      }
      const erasure = await getErasure(tx, tenantId, memberId);
      return {
        member_id: memberId,
        exported_at: now.toISOString(),
        member,
        identities: await listIdentities(tx, tenantId, memberId),
        erasure: erasure ?? null,
        sections,
        timeline: await allPages((before) =>
          memberTimeline(tx, tenantId, memberId, { limit: EXPORT_PAGE_SIZE, before }),
        ),
      };
    });
}
