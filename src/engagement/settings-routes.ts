import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import {
  CheckinSettingsSchema,
  EngagementSettingsSchema,
  ReferralSettingsSchema,
} from "./settings-schema.ts";
import { getEngagementSettings, updateEngagementSettings } from "./settings.ts";

/** The brand's check-in and referral settings. The member day has its own endpoint (it keeps an earn rule). */
export const settingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;

  app.get(
    "/v1/engagement/settings",
    {
      schema: {
        tags: ["engagement"],
        summary: "Check-in, referral and member day settings",
        response: { 200: EngagementSettingsSchema },
      },
      config: { access: { apiKey: "read", staff: HQ_ROLES } },
    },
    async (request) => getEngagementSettings(db, tenantOf(request)),
  );

  app.patch(
    "/v1/engagement/settings",
    {
      schema: {
        tags: ["engagement"],
        summary: "Change check-in or referral settings",
        description:
          "Each section given replaces that section whole (read, change, write back). Changes apply from the next check-in or referral; streak rewards already paid stay paid.",
        body: Type.Object(
          { checkin: Type.Optional(CheckinSettingsSchema), referral: Type.Optional(ReferralSettingsSchema) },
          { additionalProperties: false },
        ),
        response: { 200: EngagementSettingsSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const { checkin, referral } = request.body;
      return command(request, reply, 200, (tx) =>
        updateEngagementSettings(
          tx,
          tenantId,
          { ...(checkin ? { checkin } : {}), ...(referral ? { referral } : {}) },
          request.server.platform.clock.now(),
        ),
      );
    },
  );
};
