import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf } from "../platform/http/pagination.ts";
import { getTenant } from "../tenants/service.ts";
import { listMessages, type Message, readMessage, recordReceipt } from "./messages.ts";
import {
  MessageIdParams,
  MessageListQuery,
  MessageSchema,
  MessagingSettingsPatch,
  MessagingSettingsSchema,
  ReceiptBody,
  SendBody,
  TemplateCreateBody,
  TemplateIdParams,
  TemplatePatchBody,
  TemplateSchema,
} from "./schemas.ts";
import { sendMessage } from "./send.ts";
import { getMessagingSettings, redacted, updateMessagingSettings } from "./settings.ts";
import { createTemplate, getTemplate, listTemplates, type Template, updateTemplate } from "./templates.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const serializeTemplate = (t: Template) => ({
  ...t,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});
const serializeMessage = (m: Message) => ({
  ...m,
  next_attempt_at: m.status === "queued" ? iso(m.next_attempt_at) : null,
  created_at: m.created_at.toISOString(),
  sent_at: iso(m.sent_at),
  delivered_at: iso(m.delivered_at),
});

/** Messages to members: settings (quiet hours, channel transports), templates, sending, the message record. */
export const messagingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const configure = { apiKey: "write", staff: HQ_ROLES } as const;
  const read = { apiKey: "read", staff: HQ_ROLES } as const;
  const tags = ["messaging"];

  app.get(
    "/v1/messaging/settings",
    {
      schema: {
        tags,
        summary:
          "Quiet hours and the transport of each channel (passwords and gateway keys shown as ********)",
        response: { 200: MessagingSettingsSchema },
      },
      config: { access: { staff: HQ_ROLES, apiKey: "write" } },
    },
    async (request) => redacted(await getMessagingSettings(db, tenantOf(request))),
  );

  app.patch(
    "/v1/messaging/settings",
    {
      schema: {
        tags,
        summary: "Set quiet hours or a channel's transport",
        description:
          "sms: an `http_gateway` or a `webhook` to the brand's sender; email: `smtp` or `webhook`; im: `webhook`. " +
          "A webhook without a `secret` gets a generated `whsec_` secret (shown here). Transport hosts are " +
          "checked by the SSRF guard, here and at every send.",
        body: MessagingSettingsPatch,
        response: { 200: MessagingSettingsSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        redacted(
          await updateMessagingSettings(tx, tenantOf(request), request.body, {
            allowPrivate: app.platform.config.webhooksAllowPrivate,
            now: now(),
          }),
        ),
      ),
  );

  app.post(
    "/v1/message-templates",
    {
      schema: {
        tags,
        summary: "Create a message template (text per channel and locale, with {{variables}})",
        body: TemplateCreateBody,
        response: { 201: TemplateSchema },
      },
      config: { access: configure },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const { locale } = await getTenant(db, tenantId);
      return command(request, reply, 201, async (tx) =>
        serializeTemplate(await createTemplate(tx, tenantId, request.body, locale, now())),
      );
    },
  );

  app.get(
    "/v1/message-templates",
    {
      schema: {
        tags,
        summary: "The brand's message templates",
        response: { 200: Type.Object({ items: Type.Array(TemplateSchema) }) },
      },
      config: { access: read },
    },
    async (request) => ({ items: (await listTemplates(db, tenantOf(request))).map(serializeTemplate) }),
  );

  app.get(
    "/v1/message-templates/:template_id",
    {
      schema: {
        tags,
        summary: "One message template",
        params: TemplateIdParams,
        response: { 200: TemplateSchema },
      },
      config: { access: read },
    },
    async (request) =>
      serializeTemplate(await getTemplate(db, tenantOf(request), request.params.template_id)),
  );

  app.patch(
    "/v1/message-templates/:template_id",
    {
      schema: {
        tags,
        summary: "Change a template's text, category or default locale, or retire it",
        description: "Messages already recorded keep their text.",
        params: TemplateIdParams,
        body: TemplatePatchBody,
        response: { 200: TemplateSchema },
      },
      config: { access: configure },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeTemplate(
          await updateTemplate(tx, tenantOf(request), request.params.template_id, request.body, now()),
        ),
      ),
  );

  app.post(
    "/v1/messages",
    {
      schema: {
        tags,
        summary: "Send a templated message to a member",
        description:
          "Always recorded: `queued` (sent shortly, or after quiet hours for marketing), `suppressed` with a " +
          "reason (no_consent, no_address, member_inactive) or `failed` (missing_variable:<name>, " +
          "channel_not_configured). The delivery is retried (30 s, 2 min, 10 min, 1 h) before it fails.",
        body: SendBody,
        response: { 201: MessageSchema },
      },
      config: { access: configure },
    },
    async (request, reply) => {
      const { member_id, template_code, channel, variables, locale } = request.body;
      return command(request, reply, 201, async (tx) =>
        serializeMessage(
          await sendMessage(
            tx,
            tenantOf(request),
            {
              memberId: member_id,
              templateCode: template_code,
              channel,
              variables,
              locale,
              principal: request.principal,
            },
            now(),
          ),
        ),
      );
    },
  );

  app.get(
    "/v1/messages",
    {
      schema: {
        tags,
        summary: "Messages, newest first; filter by member, campaign or status",
        querystring: MessageListQuery,
        response: { 200: PageOf(MessageSchema) },
      },
      config: { access: read },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await listMessages(db, tenantOf(request), filter, {
        limit: limit ?? PAGE_LIMIT_DEFAULT,
        after: decodeCursor(cursor),
      });
      return { items: page.items.map(serializeMessage), next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/v1/messages/:message_id",
    {
      schema: { tags, summary: "One message", params: MessageIdParams, response: { 200: MessageSchema } },
      config: { access: read },
    },
    async (request) => serializeMessage(await readMessage(db, tenantOf(request), request.params.message_id)),
  );

  app.post(
    "/v1/messages/:message_id/receipt",
    {
      schema: {
        tags,
        summary:
          "Report the carrier's delivery receipt for a sent message (from the brand's sender or gateway)",
        params: MessageIdParams,
        body: ReceiptBody,
        response: { 200: MessageSchema },
      },
      config: { access: { apiKey: "write" } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeMessage(
          await recordReceipt(tx, tenantOf(request), request.params.message_id, request.body, now()),
        ),
      ),
  );
};
