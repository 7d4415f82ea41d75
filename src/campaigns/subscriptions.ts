import { purchasesInWindows } from "../orders/queries.ts";
import type { Platform } from "../platform/context.ts";
import type { DomainEvent } from "../platform/events.ts";
import { Problem } from "../platform/http/problems.ts";
import type { Tx } from "../platform/db/database.ts";
import type { SendMessage } from "./actions.ts";
import { liveEventCampaigns } from "./campaigns.ts";
import { moveAssignments } from "./assignments.ts";
import { reachMembers } from "./reach.ts";
import { payloadMatches } from "./rules.ts";
import { EVENT_TRIGGERS } from "./schemas.ts";

/**
 * Event campaigns: each event a live campaign listens to reaches the member it is about. The relay delivers at least
 * once inside its own transaction; the assignment key (campaign, member, occurrence) makes a second delivery a no-op.
 * `order.first` is an `order.created` with no purchase of the member before it.
 */

const memberOf = (event: DomainEvent): string | undefined => {
  const fromPayload = event.payload.member_id;
  if (typeof fromPayload === "string") return fromPayload;
  return event.subjectId ?? undefined;
};

/**
 * Whether the order of an `order.created` event is the member's first purchase: none placed before it (the event
 * occurs at the order's own time). Decided from the orders as they are, so later orders relayed in the same pass
 * do not hide it; cancelled and fully refunded orders do not count as purchases.
 */
async function isFirstOrder(tx: Tx, tenantId: string, memberId: string, orderedAt: Date): Promise<boolean> {
  const before = await purchasesInWindows(tx, tenantId, [
    { member_id: memberId, from: new Date(0), to: new Date(orderedAt.getTime() - 1) },
  ]);
  return before.length === 0;
}

export function registerCampaignSubscriptions(platform: Platform, sendMessage?: SendMessage): void {
  // A merge moves the absorbed member's orders to the survivor: their assignments follow, so attribution finds the
  // orders. Where both were reached by a campaign, the survivor's record stands and the absorbed one is dropped.
  platform.events.subscribe("member.merged", async (event, tx) => {
    const { survivor_id, absorbed_id } = event.payload;
    if (typeof survivor_id !== "string" || typeof absorbed_id !== "string") return;
    await moveAssignments(tx, event.tenantId, absorbed_id, survivor_id);
  });

  const subscribed = new Set<string>(EVENT_TRIGGERS.map((e) => (e === "order.first" ? "order.created" : e)));
  for (const type of subscribed) {
    platform.events.subscribe(type, async (event, tx) => {
      const memberId = memberOf(event);
      if (!memberId) return;
      const now = platform.clock.now();
      const campaigns = [
        ...(await liveEventCampaigns(tx, event.tenantId, type)),
        ...(type === "order.created" ? await liveEventCampaigns(tx, event.tenantId, "order.first") : []),
      ];
      if (campaigns.length === 0) return;
      let first: boolean | undefined;
      for (const campaign of campaigns) {
        const trigger = campaign.trigger;
        if (trigger.kind !== "event" || !payloadMatches(trigger.match, event.payload)) continue;
        // Only what happened while the campaign was on: not a backlog from before its launch or start, nor
        // imported history (an order's event occurs at the order's own time).
        const from = Math.max(campaign.launched_at?.getTime() ?? 0, campaign.starts_at?.getTime() ?? 0);
        if (event.occurredAt.getTime() < from) continue;
        if (trigger.event === "order.first") {
          first ??= await isFirstOrder(tx, event.tenantId, memberId, event.occurredAt);
          if (!first) continue;
        }
        const occurrence = campaign.once_per_member ? "once" : `event:${event.eventId}`;
        try {
          await reachMembers(
            tx,
            event.tenantId,
            campaign,
            [{ member_id: memberId, occurrence }],
            now,
            sendMessage,
          );
        } catch (error) {
          // A business rule (a pack gone since the campaign was saved) must not stall every event behind this one.
          // Problems are thrown before any failed statement, so the relay's transaction is still sound.
          if (!(error instanceof Problem)) throw error;
          platform.log.warn(
            {
              tenant_id: event.tenantId,
              campaign_id: campaign.campaign_id,
              problem: error.code,
              detail: error.message,
            },
            "campaign could not act on an event",
          );
        }
      }
    });
  }
}
