import { issueCoupons } from "../../coupons/issuance.ts";
import { findTemplate } from "../../coupons/templates.ts";
import type { Executor } from "../../platform/db/database.ts";
import { businessRule, invalidField, Problem } from "../../platform/http/problems.ts";
import { createEarnRule, updateEarnRule } from "../../points/program.ts";
import { getTenant } from "../../tenants/service.ts";
import type { MemberDaySettings } from "../settings-schema.ts";
import { getEngagementSettings, updateEngagementSettings } from "../settings.ts";
import { memberDayEarnRule, needsEarnRule, nextMemberDay } from "./rules.ts";

export type MemberDayInput = Omit<MemberDaySettings, "earn_rule_id">;

const RULE_NAME = "Member day";

/**
 * Sets the member day. The points multiplier lives in the points capability as an ordinary earn rule (days_of_month),
 * which this keeps in step: created when first needed, updated on change, switched off when disabled. Orders then
 * earn the multiplier with no member-day code in the order path.
 */
export async function setMemberDay(
  tx: Executor,
  tenantId: string,
  input: MemberDayInput,
  now: Date,
): Promise<MemberDaySettings> {
  for (const [i, code] of input.coupons.entries()) {
    if (!(await findTemplate(tx, tenantId, { code })))
      throw invalidField(`/coupons/${i}`, `no coupon template ${code}`);
  }
  const current = (await getEngagementSettings(tx, tenantId)).member_day;
  let ruleId = current.earn_rule_id;
  const definition = memberDayEarnRule(input);
  if (needsEarnRule(input)) {
    const updated = ruleId
      ? await updateEarnRule(tx, tenantId, ruleId, { name: RULE_NAME, definition, active: true }, now).catch(
          (error: unknown) => {
            // The rule was deleted by hand: make a new one.
            if (error instanceof Problem && error.code === "not-found") return undefined;
            throw error;
          },
        )
      : undefined;
    ruleId =
      updated?.rule_id ?? (await createEarnRule(tx, tenantId, { name: RULE_NAME, definition }, now)).rule_id;
  } else if (ruleId) {
    await updateEarnRule(tx, tenantId, ruleId, { active: false }, now).catch((error: unknown) => {
      if (!(error instanceof Problem && error.code === "not-found")) throw error;
    });
  }
  const settings = await updateEngagementSettings(
    tx,
    tenantId,
    { member_day: { ...input, earn_rule_id: ruleId } },
    now,
  );
  return settings.member_day;
}

export interface MemberDayView {
  enabled: boolean;
  day_of_month: number;
  points_multiplier: number;
  today: string;
  next_member_day: string | null;
  is_member_day: boolean;
  coupons: { template_code: string; claimed_this_month: boolean }[];
}

export async function memberDayFor(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<MemberDayView> {
  const { member_day: settings } = await getEngagementSettings(db, tenantId);
  const { time_zone } = await getTenant(db, tenantId);
  const { today, next } = nextMemberDay(settings.day_of_month, now, time_zone);
  const claims =
    settings.coupons.length === 0
      ? []
      : await db
          .selectFrom("member_day_claims")
          .select("template_code")
          .where("tenant_id", "=", tenantId)
          .where("member_id", "=", memberId)
          .where("month", "=", today.slice(0, 7))
          .execute();
  const claimed = new Set(claims.map((c) => c.template_code));
  return {
    enabled: settings.enabled,
    day_of_month: settings.day_of_month,
    points_multiplier: settings.points_multiplier,
    today,
    next_member_day: settings.enabled ? next : null,
    is_member_day: settings.enabled && today === next,
    coupons: settings.coupons.map((template_code) => ({
      template_code,
      claimed_this_month: claimed.has(template_code),
    })),
  };
}

/** A member-day coupon, on the day only, once per template, member and month; the template's budget decides. */
export async function claimMemberDayCoupon(
  tx: Executor,
  tenantId: string,
  memberId: string,
  templateCode: string,
  now: Date,
) {
  const view = await memberDayFor(tx, tenantId, memberId, now);
  if (!view.coupons.some((c) => c.template_code === templateCode))
    throw invalidField("/template_code", `${templateCode} is not a member day coupon`);
  if (!view.is_member_day)
    throw businessRule(`member day coupons can be claimed on ${view.next_member_day ?? "member day"}`);
  const template = await findTemplate(tx, tenantId, { code: templateCode });
  if (!template) throw invalidField("/template_code", `no coupon template ${templateCode}`);
  const month = view.today.slice(0, 7);
  const result = await issueCoupons(
    tx,
    tenantId,
    {
      key: `member-day:${memberId}:${month}:${templateCode}`,
      source: "claim",
      actor: memberId,
      what: { template_id: template.template_id },
      member_ids: [memberId],
      on_limit: "fail",
      on_budget: "fail",
    },
    now,
  );
  const claimed = await tx
    .insertInto("member_day_claims")
    .values({
      tenant_id: tenantId,
      member_id: memberId,
      month,
      template_code: templateCode,
      coupon_issue_id: result.issue_id,
      claimed_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning("month")
    .executeTakeFirst();
  if (!claimed) throw new Problem("conflict", `already claimed ${templateCode} this month`);
  return result;
}
