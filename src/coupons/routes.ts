import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { checkoutRoutes } from "./checkout-routes.ts";
import { issuanceRoutes } from "./issuance-routes.ts";
import { templateRoutes } from "./template-routes.ts";

/** The coupons capability's HTTP surface: design, issue, read, check out. The points mall is `mallRoutes`. */
export const couponRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(templateRoutes);
  await app.register(issuanceRoutes);
  await app.register(checkoutRoutes);
};
