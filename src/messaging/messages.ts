import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule, notFound } from "../platform/http/problems.ts";
import { toPage } from "../platform/http/pagination.ts";
import type { MessageCategory, MessageChannel, MessageStatus } from "./tables.ts";

/** A message as recorded: what was asked for, the text rendered, and what became of it. */
export interface Message {
  message_id: string;
  member_id: string;
  template_code: string;
  channel: MessageChannel;
  category: MessageCategory;
  locale: string;
  recipient: string | null;
  subject: string | null;
  body: string;
  status: MessageStatus;
  reason: string | null;
  campaign_id: string | null;
  transport: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  provider_message_id: string | null;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
}

export const MESSAGE_COLUMNS = [
  "message_id",
  "member_id",
  "template_code",
  "channel",
  "category",
  "locale",
  "recipient",
  "subject",
  "body",
  "status",
  "reason",
  "campaign_id",
  "transport",
  "attempts",
  "next_attempt_at",
  "provider_message_id",
  "created_at",
  "sent_at",
  "delivered_at",
] as const;

export async function readMessage(db: Executor, tenantId: string, messageId: string): Promise<Message> {
  const row = await db
    .selectFrom("messages")
    .select(MESSAGE_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("message_id", "=", messageId)
    .executeTakeFirst();
  if (!row) throw notFound("message", messageId);
  return row;
}

export async function listMessages(
  db: Executor,
  tenantId: string,
  filter: {
    member_id?: string | undefined;
    campaign_id?: string | undefined;
    status?: MessageStatus | undefined;
  },
  page: { limit: number; after: string | undefined },
): Promise<{ items: Message[]; next_cursor: string | null }> {
  let query = db.selectFrom("messages").select(MESSAGE_COLUMNS).where("tenant_id", "=", tenantId);
  if (filter.member_id) query = query.where("member_id", "=", filter.member_id);
  if (filter.campaign_id) query = query.where("campaign_id", "=", filter.campaign_id);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (page.after) query = query.where("message_id", "<", page.after);
  const rows = await query
    .orderBy("message_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (row) => row.message_id);
}

/**
 * The carrier's word on a sent message, reported by the brand's sender or gateway. Only a sent message takes a
 * receipt; the same receipt again is answered, not refused (senders retry).
 */
export async function recordReceipt(
  tx: Executor,
  tenantId: string,
  messageId: string,
  receipt: { status: "delivered" | "failed"; error?: string | undefined },
  now: Date,
): Promise<Message> {
  const message = await readMessage(tx, tenantId, messageId);
  if (message.status === receipt.status) return message;
  if (message.status !== "sent") {
    throw businessRule(
      `message ${messageId} is ${message.status}; only a sent message takes a receipt`,
      "/status",
    );
  }
  await tx
    .updateTable("messages")
    .set({
      status: receipt.status,
      ...(receipt.status === "delivered"
        ? { delivered_at: now }
        : { reason: receipt.error ?? "carrier_rejected" }),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("message_id", "=", messageId)
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: `message.${receipt.status}`,
    subjectId: message.member_id,
    payload: {
      message_id: messageId,
      member_id: message.member_id,
      channel: message.channel,
      template_code: message.template_code,
    },
    at: now,
  });
  return readMessage(tx, tenantId, messageId);
}
