import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule, notFound, Problem } from "../platform/http/problems.ts";
import type { Principal } from "../platform/auth/principal.ts";
import { getMember, listIdentities } from "../members/service.ts";
import { getTenant } from "../tenants/service.ts";
import { messagingId } from "./ids.ts";
import { readMessage, type Message } from "./messages.ts";
import { afterQuietHours, pickLocale, render, suppression, type Variables } from "./rules.ts";
import { getMessagingSettings } from "./settings.ts";
import type { MessageChannel, MessageStatus } from "./tables.ts";
import { findTemplateByCode } from "./templates.ts";

export interface SendInput {
  memberId: string;
  templateCode: string;
  channel: MessageChannel;
  variables?: Variables | undefined;
  /** Overrides the member's and the brand's language when the template has it. */
  locale?: string | undefined;
  campaignId?: string | undefined;
  /** Who asks (for member scope); campaigns and jobs leave it out. */
  principal?: Principal | undefined;
}

const DEFAULT_IM_IDENTITY = "wechat_openid";

/**
 * Asks for a templated message to a member: checks consent and quiet hours, renders the text, records the
 * message and queues it for the delivery loop (which sends outside this transaction, with retries).
 *
 * Whatever the member's state, a message is recorded: one that may not go is `suppressed` with the reason
 * (no_consent, no_address, member_inactive), one that cannot be built or sent is `failed` (missing_variable:<name>,
 * channel_not_configured). So a campaign calling this from an event never stalls on one member. Only an unknown
 * member (404) or template, or a template without the channel, is an error.
 */
export async function sendMessage(
  tx: Executor,
  tenantId: string,
  input: SendInput,
  now: Date,
): Promise<Message> {
  const template = await findTemplateByCode(tx, tenantId, input.templateCode);
  if (!template?.active)
    throw businessRule(`no active message template ${input.templateCode}`, "/template_code");
  const perLocale = template.contents[input.channel];
  if (!perLocale) throw businessRule(`template ${template.code} has no ${input.channel} content`, "/channel");
  const member = await getMember(tx, tenantId, input.memberId, input.principal);
  const tenant = await getTenant(tx, tenantId);
  const settings = await getMessagingSettings(tx, tenantId);

  const memberLocale = typeof member.attributes.locale === "string" ? member.attributes.locale : undefined;
  const locale = pickLocale(
    Object.keys(perLocale),
    [input.locale, memberLocale, tenant.locale],
    template.default_locale,
  );
  const content = perLocale[locale];
  if (!content) throw notFound("template content", `${template.code}/${input.channel}/${locale}`);
  const variables: Variables = {
    "member.name": member.name ?? "",
    "member.card_no": member.card_no,
    "brand.name": tenant.name,
    ...input.variables,
  };
  const body = render(content.body, variables);
  const subject = content.subject !== undefined ? render(content.subject, variables) : undefined;

  let recipient: string | null;
  if (input.channel === "sms") recipient = member.phone;
  else if (input.channel === "email") recipient = member.email;
  else {
    const kind = settings.im?.identity_kind ?? DEFAULT_IM_IDENTITY;
    recipient =
      (await listIdentities(tx, tenantId, member.member_id)).find((i) => i.kind === kind)?.value ?? null;
  }

  const missing = [...body.missing, ...(subject?.missing ?? [])];
  const suppressed = suppression(template.category, input.channel, {
    status: member.status,
    consent: member.consent,
    address: recipient,
  });
  let status: MessageStatus = "queued";
  let reason: string | null = null;
  if (suppressed) {
    status = "suppressed";
    reason = suppressed;
  } else if (missing.length > 0) {
    status = "failed";
    reason = `missing_variable:${missing.join(",")}`;
  } else if (!settings[input.channel]) {
    status = "failed";
    reason = "channel_not_configured";
  }
  // Quiet hours defer marketing, never drop it; a code the member is waiting for goes at once.
  const dueAt =
    template.category === "marketing" ? afterQuietHours(now, settings.quiet_hours, tenant.time_zone) : now;

  const messageId = messagingId("message");
  await tx
    .insertInto("messages")
    .values({
      tenant_id: tenantId,
      message_id: messageId,
      member_id: member.member_id,
      template_id: template.template_id,
      template_code: template.code,
      channel: input.channel,
      category: template.category,
      locale,
      recipient,
      subject: subject?.text ?? null,
      body: body.text,
      status,
      reason,
      campaign_id: input.campaignId ?? null,
      next_attempt_at: status === "queued" ? dueAt : null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  if (status !== "queued") {
    // Queued messages announce themselves when sent or failed (delivery.ts); these ended here.
    await recordEvent(tx, {
      tenantId,
      type: `message.${status}`,
      subjectId: member.member_id,
      payload: {
        message_id: messageId,
        member_id: member.member_id,
        channel: input.channel,
        template_code: template.code,
        campaign_id: input.campaignId ?? null,
        reason,
      },
      at: now,
    });
  }
  return readMessage(tx, tenantId, messageId);
}

/**
 * The send that campaigns plug in (the `SendMessage` of src/campaigns/actions.ts). Campaign actions run in the event
 * relay's transaction, so this never throws for a template retired or stripped of the channel since the campaign was
 * made, nor for a member gone: it answers undefined (nothing recorded) and the relay goes on. Those checks come before
 * any write, so the caller's transaction is untouched.
 */
export async function sendCampaignMessage(
  tx: Executor,
  tenantId: string,
  request: {
    member_id: string;
    template_code: string;
    channel: MessageChannel;
    campaign_id: string;
    variables?: Variables | undefined;
  },
  now: Date,
): Promise<{ message_id: string; status: MessageStatus } | undefined> {
  try {
    const message = await sendMessage(
      tx,
      tenantId,
      {
        memberId: request.member_id,
        templateCode: request.template_code,
        channel: request.channel,
        campaignId: request.campaign_id,
        variables: request.variables,
      },
      now,
    );
    return { message_id: message.message_id, status: message.status };
  } catch (error) {
    if (error instanceof Problem && (error.code === "business-rule" || error.code === "not-found"))
      return undefined;
    throw error;
  }
}
