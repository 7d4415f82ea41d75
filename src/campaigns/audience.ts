import { DateTime } from "luxon";
import { sql } from "kysely";
import { compileCondition, memberRelation } from "../audience/conditions/compile.ts";
import { parseConditionOrThrow, type Condition } from "../audience/conditions/parse.ts";
import { evaluationContext } from "../audience/context.ts";
import { loadSnapshots } from "../audience/incremental.ts";
import { segmentMembers } from "../audience/segments/service.ts";
import { usableCoupons } from "../coupons/wallet.ts";
import type { Executor } from "../platform/db/database.ts";
import { getBalance } from "../points/queries.ts";
import { getTenant } from "../tenants/service.ts";
import { type Campaign, conditionOf } from "./campaigns.ts";
import type { Candidate } from "./reach.ts";

/**
 * Who a scheduled or calendar campaign looks at, one page at a time in member-id order: the members of its segment,
 * or (without a segment) every member matching its condition, narrowed for calendar triggers to those whose
 * birthday comes or whose points are about to expire. The campaign's own condition is applied again when reaching.
 */

export const AUDIENCE_PAGE_SIZE = 500;

/** A page of member ids after `after`, and whether more may follow. */
async function basePage(
  db: Executor,
  tenantId: string,
  segmentId: string | undefined,
  narrowing: Condition | undefined,
  after: string | undefined,
  now: Date,
): Promise<{ ids: string[]; more: boolean }> {
  if (segmentId !== undefined) {
    const page = await segmentMembers(
      db,
      tenantId,
      segmentId,
      { limit: AUDIENCE_PAGE_SIZE, after },
      undefined,
    );
    return { ids: page.items.map((m) => m.member_id), more: page.next_cursor !== null };
  }
  const context = await evaluationContext(db, tenantId, now);
  const where = narrowing ? compileCondition(narrowing, context) : sql<boolean>`true`;
  const rows = await sql<{ member_id: string }>`
    SELECT f.member_id FROM ${memberRelation()}
    WHERE f.tenant_id = ${tenantId} AND ${where} ${after ? sql`AND f.member_id > ${after}` : sql``}
    ORDER BY f.member_id LIMIT ${AUDIENCE_PAGE_SIZE}`.execute(db);
  return { ids: rows.rows.map((r) => r.member_id), more: rows.rows.length === AUDIENCE_PAGE_SIZE };
}

/** A leaf of the audience condition language, for narrowing a scan in SQL. */
const leaf = (field: string, op: string, value?: unknown): Condition =>
  parseConditionOrThrow(value === undefined ? { field, op } : { field, op, value }, "");

export interface AudiencePage {
  candidates: Candidate[];
  /** The last member id looked at: where the next page starts. */
  last: string | undefined;
  more: boolean;
}

/**
 * One page of a run's candidates with their occurrence keys. `runKey` names a scheduled run (its due minute, or a
 * manual run's time); once-per-member campaigns use "once" so a member is reached by them at most once.
 */
export async function audiencePage(
  db: Executor,
  tenantId: string,
  campaign: Campaign,
  runKey: string,
  after: string | undefined,
  now: Date,
): Promise<AudiencePage> {
  const trigger = campaign.trigger;
  if (trigger.kind === "event") return { candidates: [], last: undefined, more: false };
  const condition = conditionOf(campaign);
  const occurrence = (key: string) => (campaign.once_per_member ? "once" : key);
  if (trigger.kind === "schedule") {
    const page = await basePage(db, tenantId, trigger.segment_id, condition, after, now);
    return {
      candidates: page.ids.map((member_id) => ({ member_id, occurrence: occurrence(`run:${runKey}`) })),
      last: page.ids.at(-1),
      more: page.more,
    };
  }
  const { time_zone } = await getTenant(db, tenantId);
  const daysBefore = trigger.days_before ?? (trigger.date === "birthday" ? 0 : 7);
  if (trigger.date === "birthday") {
    const target = DateTime.fromJSDate(now, { zone: time_zone }).startOf("day").plus({ days: daysBefore });
    const narrowing = leaf("member.birthday_month", "eq", target.month);
    const page = await basePage(
      db,
      tenantId,
      trigger.segment_id,
      trigger.segment_id ? undefined : narrowing,
      after,
      now,
    );
    const { snapshots } = await loadSnapshots(db, tenantId, page.ids);
    const monthDay = target.toFormat("MM-dd");
    const candidates = page.ids.flatMap((member_id) => {
      const birthday = snapshots.get(member_id)?.facts.birthday;
      // A 29 February birthday is kept on 28 February in other years.
      const due =
        birthday?.slice(5) === monthDay ||
        (birthday?.slice(5) === "02-29" && monthDay === "02-28" && !target.isInLeapYear);
      return due ? [{ member_id, occurrence: occurrence(`birthday:${target.year}`) }] : [];
    });
    return { candidates, last: page.ids.at(-1), more: page.more };
  }
  // Points or coupons about to expire: one reminder per expiry date, however many days the window spans.
  const horizon = new Date(now.getTime() + daysBefore * 86_400_000);
  if (trigger.date === "points_expiring") {
    const page = await basePage(
      db,
      tenantId,
      trigger.segment_id,
      trigger.segment_id ? undefined : leaf("points.available", "gt", 0),
      after,
      now,
    );
    const candidates: Candidate[] = [];
    for (const member_id of page.ids) {
      const next = (await getBalance(db, tenantId, member_id, now)).next_expiry;
      if (next && new Date(next.expires_at) <= horizon)
        candidates.push({ member_id, occurrence: occurrence(`points_expiring:${next.expires_at}`) });
    }
    return { candidates, last: page.ids.at(-1), more: page.more };
  }
  // Coupons: the audience language has no coupon fields, so without a segment every member is looked at.
  const page = await basePage(db, tenantId, trigger.segment_id, undefined, after, now);
  const candidates: Candidate[] = [];
  for (const member_id of page.ids) {
    const soonest = (await usableCoupons(db, tenantId, member_id, now))[0];
    if (soonest && soonest.valid_until <= horizon)
      candidates.push({
        member_id,
        occurrence: occurrence(`coupon_expiring:${soonest.valid_until.toISOString()}`),
      });
  }
  return { candidates, last: page.ids.at(-1), more: page.more };
}
