import { registerChannelCodeSubscriptions } from "../channel-codes/subscriptions.ts";
import type { Platform } from "../platform/context.ts";
import { registerTaskSubscriptions } from "../staff-tasks/credits.ts";
import { defineTaskJobs } from "../staff-tasks/jobs.ts";
import { registerResultSubscriptions } from "./results.ts";

/**
 * The organisation's reactions to events (channel codes, task credits, guide results) and its one recurring job
 * (the morning reminder of lagging task assignees).
 */
export function registerOrganisationSubscriptions(platform: Platform): void {
  defineTaskJobs(platform);
  registerChannelCodeSubscriptions(platform);
  registerTaskSubscriptions(platform);
  registerResultSubscriptions(platform);
}
