import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { toPage } from "../platform/http/pagination.ts";
import { Problem } from "../platform/http/problems.ts";
import { getCampaign } from "./campaigns.ts";
import type { Arm, Outcome } from "./tables.ts";

/** The members a campaign reached, in member-id order: who is in which arm, and what each was given. */

export interface Assignment {
  member_id: string;
  occurrence: string;
  arm: Arm;
  outcome: Outcome;
  coupons: number;
  points: number;
  messages: number;
  assigned_at: Date;
}

function parseKey(key: string): { member_id: string; occurrence: string } {
  const at = key.indexOf("|");
  if (at <= 0) throw new Problem("invalid-cursor");
  return { member_id: key.slice(0, at), occurrence: key.slice(at + 1) };
}

export async function listAssignments(
  db: Executor,
  tenantId: string,
  campaignId: string,
  filter: { arm?: Arm | undefined; member_id?: string | undefined },
  page: { limit: number; after: string | undefined },
): Promise<{ items: Assignment[]; next_cursor: string | null }> {
  await getCampaign(db, tenantId, campaignId);
  let query = db
    .selectFrom("campaign_assignments")
    .select(["member_id", "occurrence", "arm", "outcome", "coupons", "points", "messages", "assigned_at"])
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", campaignId);
  if (filter.arm) query = query.where("arm", "=", filter.arm);
  if (filter.member_id) query = query.where("member_id", "=", filter.member_id);
  if (page.after) {
    const after = parseKey(page.after);
    query = query.where((eb) =>
      eb.or([
        eb("member_id", ">", after.member_id),
        eb.and([eb("member_id", "=", after.member_id), eb("occurrence", ">", after.occurrence)]),
      ]),
    );
  }
  const rows = await query
    .orderBy("member_id")
    .orderBy("occurrence")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (r) => `${r.member_id}|${r.occurrence}`);
}

/** Moves a member's assignments to another (after a merge), except in campaigns that reached the other already. */
export async function moveAssignments(
  tx: Executor,
  tenantId: string,
  fromId: string,
  toId: string,
): Promise<void> {
  await sql`UPDATE campaign_assignments a SET member_id = ${toId}
    WHERE a.tenant_id = ${tenantId} AND a.member_id = ${fromId}
      AND NOT EXISTS (SELECT 1 FROM campaign_assignments b
        WHERE b.tenant_id = a.tenant_id AND b.campaign_id = a.campaign_id AND b.member_id = ${toId})`.execute(
    tx,
  );
  await tx
    .deleteFrom("campaign_assignments")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", fromId)
    .execute();
}
