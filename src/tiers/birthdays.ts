import { sql } from "kysely";
import type { Db, Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { getTenant, listTenants } from "../tenants/service.ts";
import { type BirthdayDay, birthdayDays, dueBirthday } from "./birthday-rules.ts";
import { listTiers } from "./ladder.ts";
import { effectiveTierBenefits } from "./service.ts";

/**
 * The birthday job: on a member's birthday (brand-local day, see birthday-rules.ts) the gift of the tier they
 * hold then is due. A row per member and year (tier_birthday_gifts) is the guard, so however often and in
 * however many processes the job runs, a member gets one gift a year. The gift itself follows from the
 * `tier.birthday_gift_due` event, as the upgrade gift does: the coupons capability issues its coupon or pack,
 * gifts.ts grants its points.
 */

export const BIRTHDAY_BATCH = 500;

interface Candidate {
  member_id: string;
  birthday: string;
  joined_at: Date;
  /** Years among the days looked at whose gift the member already had. */
  given: number[];
}

/**
 * Active members whose birthday may fall on one of `days`, after `after` in member-id order. The month and day
 * are matched loosely (any listed month with any listed day, which the index serves); dueBirthday decides.
 */
async function candidates(
  db: Executor,
  tenantId: string,
  days: readonly BirthdayDay[],
  after: string | undefined,
  limit: number,
): Promise<Candidate[]> {
  const months = [...new Set(days.flatMap((d) => d.birthdays.map((b) => b.month)))];
  const monthDays = [...new Set(days.flatMap((d) => d.birthdays.map((b) => b.day)))];
  const years = [...new Set(days.map((d) => d.year))];
  const rows = await sql<Candidate>`
    SELECT m.member_id, to_char(m.birthday, 'YYYY-MM-DD') AS birthday, m.joined_at,
      ARRAY(SELECT g.year FROM tier_birthday_gifts g
            WHERE g.tenant_id = m.tenant_id AND g.member_id = m.member_id AND g.year = ANY(${years}::int[])) AS given
    FROM members m
    WHERE m.tenant_id = ${tenantId} AND m.status = 'active' AND m.birthday IS NOT NULL
      AND EXTRACT(MONTH FROM m.birthday) = ANY(${months}::int[])
      AND EXTRACT(DAY FROM m.birthday) = ANY(${monthDays}::int[])
      ${after !== undefined ? sql`AND m.member_id > ${after}` : sql``}
    ORDER BY m.member_id LIMIT ${limit}`.execute(db);
  return rows.rows.map((r) => ({ ...r, given: r.given.map(Number) }));
}

export interface BirthdayBatch {
  /** Members looked at. */
  looked_at: number;
  /** Gifts that became due in this batch. */
  given: number;
  /** Where the next batch starts; null once the members were all looked at. */
  lastMemberId: string | null;
}

/** One batch of one brand, in the caller's transaction. */
export async function giveBirthdayGifts(
  tx: Executor,
  tenantId: string,
  now: Date,
  options: { limit?: number; afterMemberId?: string } = {},
): Promise<BirthdayBatch> {
  const limit = options.limit ?? BIRTHDAY_BATCH;
  const tiers = await listTiers(tx, tenantId);
  if (!tiers.some((t) => t.benefits.birthday_gift !== null))
    return { looked_at: 0, given: 0, lastMemberId: null };
  const days = birthdayDays(now, (await getTenant(tx, tenantId)).time_zone);
  const page = await candidates(tx, tenantId, days, options.afterMemberId, limit);
  const lastMemberId = page.length < limit ? null : (page.at(-1)?.member_id ?? null);
  const due = page.flatMap((c) => {
    const day = dueBirthday(c.birthday, c.joined_at, days);
    return day && !c.given.includes(day.year) ? [{ member_id: c.member_id, day }] : [];
  });
  if (due.length === 0) return { looked_at: page.length, given: 0, lastMemberId };

  const byCode = new Map(tiers.map((t) => [t.code, t]));
  const effective = await effectiveTierBenefits(
    tx,
    tenantId,
    due.map((d) => d.member_id),
    now,
  );
  const gifts = due.flatMap(({ member_id, day }) => {
    const code = effective.get(member_id)?.tier_code;
    const tier = code ? byCode.get(code) : undefined;
    const gift = tier?.benefits.birthday_gift;
    return tier && gift ? [{ member_id, day, tier, gift }] : [];
  });
  if (gifts.length === 0) return { looked_at: page.length, given: 0, lastMemberId };

  // In member-id order (the page's), so two runs inserting the same members wait on each other, never deadlock.
  const fresh = await tx
    .insertInto("tier_birthday_gifts")
    .values(
      gifts.map((g) => ({
        tenant_id: tenantId,
        member_id: g.member_id,
        year: g.day.year,
        tier_id: g.tier.tier_id,
        birthday_on: g.day.day,
        granted_at: now,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning(["member_id", "year"])
    .execute();
  const inserted = new Set(fresh.map((f) => `${f.member_id}:${f.year}`));
  for (const g of gifts) {
    if (!inserted.has(`${g.member_id}:${g.day.year}`)) continue;
    await recordEvent(tx, {
      tenantId,
      type: "tier.birthday_gift_due",
      subjectId: g.member_id,
      at: now,
      payload: {
        member_id: g.member_id,
        tier_id: g.tier.tier_id,
        tier_code: g.tier.code,
        year: g.day.year,
        birthday_on: g.day.day,
        gift: g.gift,
      },
    });
  }
  return { looked_at: page.length, given: inserted.size, lastMemberId };
}

/** The hourly job: every brand whose ladder has a birthday gift, one transaction per batch. */
export async function giveAllBirthdayGifts(
  db: Db,
  now: Date,
  options: { batchSize?: number } = {},
): Promise<{ looked_at: number; given: number }> {
  let lookedAt = 0;
  let given = 0;
  for (const tenant of await listTenants(db)) {
    let after: string | undefined;
    for (;;) {
      const batch = await db.transaction().execute((tx) =>
        giveBirthdayGifts(tx, tenant.tenant_id, now, {
          ...(options.batchSize !== undefined ? { limit: options.batchSize } : {}),
          ...(after !== undefined ? { afterMemberId: after } : {}),
        }),
      );
      lookedAt += batch.looked_at;
      given += batch.given;
      if (batch.lastMemberId === null) break;
      after = batch.lastMemberId;
    }
  }
  return { looked_at: lookedAt, given };
}
