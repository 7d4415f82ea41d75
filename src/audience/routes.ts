import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { analyticsRoutes } from "./analytics/routes.ts";
import { ltvRoutes } from "./ltv/routes.ts";
import { recomputeRunRoutes } from "./recompute-routes.ts";
import { scoresRoutes } from "./scores/routes.ts";
import { segmentRoutes } from "./segments/routes.ts";
import { tagRoutes } from "./tags/routes.ts";

/** The audience capability's HTTP surface: one plugin, registered by the composition root. */
export const audienceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(scoresRoutes);
  await app.register(recomputeRunRoutes);
  await app.register(tagRoutes);
  await app.register(segmentRoutes);
  await app.register(ltvRoutes);
  await app.register(analyticsRoutes);
};
