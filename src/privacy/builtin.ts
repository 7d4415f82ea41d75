import { forgetMembers } from "../audience/forget.ts";
import { memberCampaignAssignments } from "../campaigns/personal-data.ts";
import { memberScores } from "../audience/scores/queries.ts";
import { memberTags } from "../audience/tags/tagging.ts";
import { forgetRedemptionAddresses } from "../coupons/mall/erasure.ts";
import { listRedemptions } from "../coupons/mall/redemption.ts";
import { listMemberCoupons } from "../coupons/wallet.ts";
import { forgetEngagementPersonalData, memberEngagementData } from "../engagement/personal-data.ts";
import { listMessages } from "../messaging/messages.ts";
import { forgetMessageContent } from "../messaging/personal-data.ts";
import { forgetOrderCustomerPhones, listOrders } from "../orders/queries.ts";
import { memberAssignments } from "../org/assignments.ts";
import { getBalance, getHistory } from "../points/queries.ts";
import { forgetContactNotes, memberContacts } from "../staff-tasks/personal-data.ts";
import { memberTier } from "../tiers/service.ts";
import { allPages, EXPORT_PAGE_SIZE } from "./pages.ts";
import { registerPersonalData } from "./registry.ts";

/**
 * The capabilities whose member data the privacy capability knows how to read and erase today, through their own
 * exported functions: orders, points, tiers, coupons, the mall, audience, org assignments, messages, campaigns and
 * staff contacts, engagement (check-ins, referrals, trial applications with addresses).
 */
export function registerBuiltInPersonalData(): void {
  registerPersonalData({
    name: "orders",
    export: (tx, tenantId, memberId) =>
      allPages((after) =>
        listOrders(tx, tenantId, { member_id: memberId }, { limit: EXPORT_PAGE_SIZE, after }),
      ),
    async erase(tx, tenantId, memberId, context) {
      await forgetOrderCustomerPhones(tx, tenantId, [memberId], context.former?.phones ?? []);
    },
  });

  registerPersonalData({
    name: "points",
    async export(tx, tenantId, memberId, { now }) {
      return {
        balance: await getBalance(tx, tenantId, memberId, now),
        history: await allPages((before) =>
          getHistory(tx, tenantId, memberId, { limit: EXPORT_PAGE_SIZE, before }),
        ),
      };
    },
    // The ledger is an accounting record: entries are never deleted or changed, so it stays balanced. It holds
    // amounts, rule and order ids; a manual adjustment's reason is the operator's words, kept as written.
    erase: async () => undefined,
  });

  registerPersonalData({
    name: "tier",
    export: (tx, tenantId, memberId, { now }) => memberTier(tx, tenantId, memberId, now),
    erase: async () => undefined,
  });

  registerPersonalData({
    name: "coupons",
    export: (tx, tenantId, memberId, { now }) =>
      allPages((after) =>
        listMemberCoupons(tx, tenantId, memberId, "all", { limit: EXPORT_PAGE_SIZE, after }, now),
      ),
    erase: async () => undefined,
  });

  registerPersonalData({
    name: "mall_redemptions",
    export: (tx, tenantId, memberId) =>
      allPages((after) =>
        listRedemptions(tx, tenantId, { member_id: memberId }, { limit: EXPORT_PAGE_SIZE, after }),
      ),
    async erase(tx, tenantId, memberId) {
      await forgetRedemptionAddresses(tx, tenantId, memberId);
    },
  });

  registerPersonalData({
    name: "audience",
    async export(tx, tenantId, memberId, { now }) {
      return {
        tags: await memberTags(tx, tenantId, memberId, now),
        scores: await memberScores(tx, tenantId, memberId, now),
      };
    },
    // Tags (some typed in by staff), scores, predictions and segment memberships go; an erased member is
    // no longer in any audience, and the audience recompute never brings an erased member back.
    erase: (tx, tenantId, memberId) => forgetMembers(tx, tenantId, [memberId]),
  });

  registerPersonalData({
    name: "assignments",
    export: (tx, tenantId, memberId) => memberAssignments(tx, tenantId, memberId),
    erase: async () => undefined,
  });

  registerPersonalData({
    name: "messages",
    export: (tx, tenantId, memberId) =>
      allPages((after) =>
        listMessages(tx, tenantId, { member_id: memberId }, { limit: EXPORT_PAGE_SIZE, after }),
      ),
    erase: forgetMessageContent,
  });

  registerPersonalData({
    name: "campaigns",
    export: (tx, tenantId, memberId) => memberCampaignAssignments(tx, tenantId, memberId),
    erase: async () => undefined,
  });

  registerPersonalData({
    name: "staff_contacts",
    export: (tx, tenantId, memberId) => memberContacts(tx, tenantId, memberId),
    erase: forgetContactNotes,
  });

  registerPersonalData({
    name: "engagement",
    export: (tx, tenantId, memberId) => memberEngagementData(tx, tenantId, memberId),
    erase: forgetEngagementPersonalData,
  });
}
