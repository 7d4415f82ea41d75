import { createTemplate, findTemplate } from "../coupons/templates.ts";
import type { Executor } from "../platform/db/database.ts";
import { notFound } from "../platform/http/problems.ts";
import { type Campaign, createCampaign } from "./campaigns.ts";
import type { Action, CampaignCreate } from "./schemas.ts";

/**
 * Ready-made campaigns for the seeds' treatments: the newcomer journey (welcome coupon on joining; a reminder when no
 * first order came within 7 days), care for important members, recall of silent members (a time-limited coupon and
 * an SMS), win-back of lost members, a birthday gift and a points-expiry reminder. Installing one creates draft
 * campaigns (and the coupon templates they issue, when the brand has none of that code) for the operator to adjust
 * and launch. Messages name template codes the brand defines in messaging.
 */

interface PlaybookCoupon {
  code: string;
  name: string;
  amount_off_minor: number;
  min_spend_minor: number;
  valid_days: number;
}

interface PlaybookCampaign {
  campaign: Omit<CampaignCreate, "actions">;
  coupon?: PlaybookCoupon;
  actions: Action[];
}

export interface Playbook {
  key: string;
  name: string;
  description: string;
  campaigns: PlaybookCampaign[];
}

const sms = (template_code: string): Action => ({ kind: "send_message", template_code, channel: "sms" });

export const PLAYBOOKS: readonly Playbook[] = [
  {
    key: "newcomer_journey",
    name: "Newcomer journey",
    description:
      "A welcome coupon when a member joins; an SMS reminder to those without a first order after 7 days",
    campaigns: [
      {
        campaign: {
          name: "Newcomer: welcome coupon",
          trigger: { kind: "event", event: "member.joined" },
          holdout_percent: 10,
          attribution_days: 30,
        },
        coupon: {
          code: "PB_WELCOME",
          name: "Welcome: 10 off 30",
          amount_off_minor: 1000,
          min_spend_minor: 3000,
          valid_days: 30,
        },
        actions: [],
      },
      {
        campaign: {
          name: "Newcomer: first-order reminder",
          trigger: { kind: "schedule", cron: "0 10 * * *" },
          condition: {
            all: [
              { field: "member.joined_at", op: "more_than_days_ago", value: 7 },
              { field: "member.joined_at", op: "within_last_days", value: 14 },
              { field: "orders.count", op: "eq", value: 0 },
            ],
          },
          holdout_percent: 10,
          attribution_days: 14,
        },
        actions: [sms("newcomer_first_order_reminder")],
      },
    ],
  },
  {
    key: "important_member_care",
    name: "Important-member care",
    description: "Members who become important (top spenders) get bonus points and a thank-you message",
    campaigns: [
      {
        campaign: {
          name: "Important members: thank you",
          trigger: { kind: "event", event: "member.importance_changed", match: { important: true } },
          holdout_percent: 10,
          attribution_days: 30,
        },
        actions: [
          { kind: "grant_points", points: 200, reason: "Thank you for being one of our best" },
          sms("important_thanks"),
        ],
      },
    ],
  },
  {
    key: "silent_member_recall",
    name: "Silent-member recall",
    description: "When a member turns silent: a coupon valid for 7 days and an SMS saying so",
    campaigns: [
      {
        campaign: {
          name: "Silent members: recall",
          trigger: { kind: "event", event: "member.stage_changed", match: { to: "silent" } },
          holdout_percent: 10,
          attribution_days: 14,
          frequency_cap: { max_actions: 2, period_days: 7 },
        },
        coupon: {
          code: "PB_RECALL",
          name: "We miss you: 15 off 40, 7 days",
          amount_off_minor: 1500,
          min_spend_minor: 4000,
          valid_days: 7,
        },
        actions: [sms("silent_recall")],
      },
    ],
  },
  {
    key: "lost_member_winback",
    name: "Lost-member win-back",
    description: "When a member is lost: a generous coupon valid for 14 days and an SMS",
    campaigns: [
      {
        campaign: {
          name: "Lost members: win-back",
          trigger: { kind: "event", event: "member.stage_changed", match: { to: "lost" } },
          holdout_percent: 10,
          attribution_days: 30,
          frequency_cap: { max_actions: 2, period_days: 7 },
        },
        coupon: {
          code: "PB_WINBACK",
          name: "Come back: 30 off 60, 14 days",
          amount_off_minor: 3000,
          min_spend_minor: 6000,
          valid_days: 14,
        },
        actions: [sms("lost_winback")],
      },
    ],
  },
  {
    key: "birthday_gift",
    name: "Birthday gift",
    description: "On a member's birthday (brand-local day, 10:00): a birthday coupon and a greeting",
    campaigns: [
      {
        campaign: {
          name: "Birthday gift",
          trigger: { kind: "date", date: "birthday", days_before: 0, at_hour: 10 },
          once_per_member: false,
          holdout_percent: 10,
          attribution_days: 14,
        },
        coupon: {
          code: "PB_BIRTHDAY",
          name: "Happy birthday: 20 off 40",
          amount_off_minor: 2000,
          min_spend_minor: 4000,
          valid_days: 14,
        },
        actions: [sms("birthday_greeting")],
      },
    ],
  },
  {
    key: "points_expiry_reminder",
    name: "Points-expiry reminder",
    description:
      "Seven days before a member's points expire, a reminder to spend them (once per expiry date)",
    campaigns: [
      {
        campaign: {
          name: "Points about to expire",
          trigger: { kind: "date", date: "points_expiring", days_before: 7, at_hour: 10 },
          once_per_member: false,
          holdout_percent: 10,
          attribution_days: 14,
        },
        actions: [sms("points_expiring")],
      },
    ],
  },
];

export function findPlaybook(key: string): Playbook {
  const playbook = PLAYBOOKS.find((p) => p.key === key);
  if (!playbook) throw notFound("playbook", key);
  return playbook;
}

/** The coupon template a playbook campaign issues: the brand's own of that code, or a new one. */
async function ensureCoupon(
  tx: Executor,
  tenantId: string,
  coupon: PlaybookCoupon,
  now: Date,
): Promise<string> {
  const existing = await findTemplate(tx, tenantId, { code: coupon.code });
  if (existing) return existing.template_id;
  const created = await createTemplate(
    tx,
    tenantId,
    {
      code: coupon.code,
      name: coupon.name,
      benefit: { kind: "amount_off", amount_minor: coupon.amount_off_minor },
      conditions: { min_spend_minor: coupon.min_spend_minor },
      validity: { kind: "relative", days: coupon.valid_days },
    },
    now,
  );
  return created.template_id;
}

/** Installs a playbook as draft campaigns. Installing twice makes a second set of drafts (the operator's to keep). */
export async function installPlaybook(
  tx: Executor,
  tenantId: string,
  key: string,
  now: Date,
): Promise<Campaign[]> {
  const playbook = findPlaybook(key);
  const installed: Campaign[] = [];
  for (const item of playbook.campaigns) {
    const couponActions: Action[] = item.coupon
      ? [{ kind: "issue_coupon", template_id: await ensureCoupon(tx, tenantId, item.coupon, now) }]
      : [];
    installed.push(
      await createCampaign(
        tx,
        tenantId,
        { ...item.campaign, actions: [...couponActions, ...item.actions], playbook: playbook.key },
        now,
      ),
    );
  }
  return installed;
}
