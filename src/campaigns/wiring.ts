import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { sendMessage as send } from "../messaging/send.ts";
import type { Platform } from "../platform/context.ts";
import { Problem } from "../platform/http/problems.ts";
import type { SendMessage } from "./actions.ts";
import { defineCampaignJobs as defineJobs } from "./jobs.ts";
import { campaignRoutes as routes } from "./routes.ts";
import { registerCampaignSubscriptions as subscribe } from "./subscriptions.ts";

/**
 * What the composition root wires: routes, event reactions and the scheduler job, each given the one way campaigns
 * send messages (messaging's send function, which checks consent and quiet hours and records the message).
 */
const sendMessage: SendMessage = async (tx, tenantId, request, now) => {
  try {
    const message = await send(
      tx,
      tenantId,
      {
        memberId: request.member_id,
        templateCode: request.template_code,
        channel: request.channel,
        campaignId: request.campaign_id,
      },
      now,
    );
    return { message_id: message.message_id };
  } catch (error) {
    // No such template (or no content for the channel): a configuration gap that must not stop the campaign's
    // other actions or stall the relay. Messaging records consent and quiet-hour decisions itself.
    if (error instanceof Problem) return undefined;
    throw error;
  }
};

export const campaignRoutes: FastifyPluginAsyncTypebox = routes(sendMessage);

export function registerCampaignSubscriptions(platform: Platform): void {
  subscribe(platform, sendMessage);
}

export function defineCampaignJobs(platform: Platform): void {
  defineJobs(platform, sendMessage);
}
