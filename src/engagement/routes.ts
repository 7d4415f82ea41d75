import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { checkinRoutes } from "./checkin/routes.ts";
import { memberDayRoutes } from "./member-day/routes.ts";
import { referralRoutes } from "./referrals/routes.ts";
import { settingsRoutes } from "./settings-routes.ts";
import { taskRoutes } from "./tasks/routes.ts";
import { trialRoutes } from "./trials/routes.ts";

/** The engagement capability's HTTP surface: check-in, tasks, referrals, trials, member day. */
export const engagementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(settingsRoutes);
  await app.register(checkinRoutes);
  await app.register(taskRoutes);
  await app.register(referralRoutes);
  await app.register(trialRoutes);
  await app.register(memberDayRoutes);
};
