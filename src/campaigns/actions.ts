import { getTag } from "../audience/tags/catalog.ts";
import { tagMembers, untagMembers } from "../audience/tags/tagging.ts";
import { issueCoupons } from "../coupons/issuance.ts";
import type { Executor } from "../platform/db/database.ts";
import { grantProgramPoints } from "../points/grants.ts";
import type { Action } from "./schemas.ts";

/**
 * Acting on one treated member, only through the owning capabilities' services. Every action carries a business
 * key made of (campaign, member, occurrence, action index), so a redelivered event or a resumed run never gives
 * twice even if the assignment row were lost.
 */

export interface ActionResult {
  coupon_ids: string[];
  message_ids: string[];
  points: number;
}

export interface ActContext {
  campaign_id: string;
  campaign_name: string;
  member_id: string;
  occurrence: string;
  now: Date;
}

/**
 * Sends one templated message to a member; the messaging capability's send function plugs in here (it checks
 * consent and quiet hours and records the message with the campaign id). Undefined: nothing was sent.
 */
export type SendMessage = (
  tx: Executor,
  tenantId: string,
  request: {
    member_id: string;
    template_code: string;
    channel: "sms" | "email" | "im";
    campaign_id: string;
  },
  now: Date,
) => Promise<{ message_id: string } | undefined>;

export async function act(
  tx: Executor,
  tenantId: string,
  actions: readonly Action[],
  context: ActContext,
  sendMessage: SendMessage | undefined,
): Promise<ActionResult> {
  const result: ActionResult = { coupon_ids: [], message_ids: [], points: 0 };
  const actor = `campaign:${context.campaign_id}`;
  for (const [index, action] of actions.entries()) {
    const key = `campaign:${context.campaign_id}:${context.member_id}:${context.occurrence}:${index}`;
    switch (action.kind) {
      case "issue_coupon":
      case "issue_pack": {
        const issued = await issueCoupons(
          tx,
          tenantId,
          {
            key,
            source: "campaign",
            actor,
            what:
              action.kind === "issue_coupon"
                ? { template_id: action.template_id }
                : { pack_id: action.pack_id },
            member_ids: [context.member_id],
            // A used-up template or a member at its limit skips that coupon; the campaign goes on.
            on_limit: "skip",
            on_budget: "skip",
          },
          context.now,
        );
        result.coupon_ids.push(...issued.coupons.map((c) => c.coupon_id));
        break;
      }
      case "grant_points": {
        const granted = await grantProgramPoints(
          tx,
          tenantId,
          {
            member_id: context.member_id,
            amount: action.points,
            reason: action.reason ?? context.campaign_name,
            source_type: "campaign",
            source_id: `${context.campaign_id}:${context.occurrence}:${index}`,
            actor,
          },
          context.now,
        );
        result.points += granted.amount;
        break;
      }
      case "add_tag":
      case "remove_tag": {
        // A tag deleted after the campaign was saved is skipped, not an error that would stall the relay.
        const tag = await getTag(tx, tenantId, action.tag_id).catch(() => undefined);
        if (!tag) break;
        if (action.kind === "add_tag")
          await tagMembers(
            tx,
            tenantId,
            tag,
            [context.member_id],
            { source: "campaign", actor },
            context.now,
            undefined,
          );
        else await untagMembers(tx, tenantId, tag, [context.member_id], context.now, undefined);
        break;
      }
      case "send_message": {
        if (!sendMessage) break;
        const sent = await sendMessage(
          tx,
          tenantId,
          {
            member_id: context.member_id,
            template_code: action.template_code,
            channel: action.channel,
            campaign_id: context.campaign_id,
          },
          context.now,
        );
        if (sent) result.message_ids.push(sent.message_id);
        break;
      }
    }
  }
  return result;
}
