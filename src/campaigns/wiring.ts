import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { sendCampaignMessage } from "../messaging/send.ts";
import type { Platform } from "../platform/context.ts";
import type { SendMessage } from "./actions.ts";
import { defineCampaignJobs as defineJobs } from "./jobs.ts";
import { campaignRoutes as routes } from "./routes.ts";
import { registerCampaignSubscriptions as subscribe } from "./subscriptions.ts";

/**
 * What the composition root wires: routes, event reactions and the scheduler job, each given the one way campaigns
 * send messages (messaging's send function, which checks consent and quiet hours and records the message).
 */
// Messaging's own adapter: a template missing or without content for the channel is skipped (recorded by
// messaging), so it does not stop the campaign's other actions or stall the relay.
const sendMessage: SendMessage = sendCampaignMessage;

export const campaignRoutes: FastifyPluginAsyncTypebox = routes(sendMessage);

export function registerCampaignSubscriptions(platform: Platform): void {
  subscribe(platform, sendMessage);
}

export function defineCampaignJobs(platform: Platform): void {
  defineJobs(platform, sendMessage);
}
