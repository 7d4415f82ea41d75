import { sql } from "kysely";
import type { Platform } from "../platform/context.ts";
import type { Db } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { getTenant } from "../tenants/service.ts";
import { Poller } from "../webhooks/poller.ts";
import { afterQuietHours, nextMessageAttempt } from "./rules.ts";
import { getMessagingSettings } from "./settings.ts";
import type { MessageCategory, MessageChannel } from "./tables.ts";
import { send, SendFailed, SEND_TIMEOUT_MS, type Sent } from "./transports.ts";

const MESSAGE_BATCH_SIZE = 16;
/** A claimed message is another worker's again after this: its send timed out or its process died. */
const LEASE_MS = SEND_TIMEOUT_MS * 2;
const IDLE_POLL_MS = 1_000;
const ERROR_TEXT_LIMIT = 500;

interface Claimed {
  tenant_id: string;
  message_id: string;
  member_id: string;
  template_code: string;
  channel: MessageChannel;
  category: MessageCategory;
  locale: string;
  recipient: string;
  subject: string | null;
  body: string;
  campaign_id: string | null;
  attempts: number;
}

/** Leases queued messages that are due (quiet hours over, retry time reached). */
async function claimDue(db: Db, now: Date): Promise<Claimed[]> {
  const result = await sql<Claimed>`
    UPDATE messages m
    SET locked_until = ${new Date(now.getTime() + LEASE_MS)}, attempts = m.attempts + 1, updated_at = ${now}
    FROM (
      SELECT tenant_id, message_id FROM messages
      WHERE status = 'queued' AND next_attempt_at <= ${now} AND (locked_until IS NULL OR locked_until <= ${now})
      ORDER BY next_attempt_at
      LIMIT ${MESSAGE_BATCH_SIZE}
      FOR UPDATE SKIP LOCKED
    ) c
    WHERE m.tenant_id = c.tenant_id AND m.message_id = c.message_id
    RETURNING m.tenant_id, m.message_id, m.member_id, m.template_code, m.channel, m.category, m.locale,
      m.recipient, m.subject, m.body, m.campaign_id, m.attempts`.execute(db);
  return result.rows;
}

type Outcome =
  | { ok: true; sent: Sent; transport: string }
  | { ok: false; error: string; permanent: boolean; transport: string | null };

async function attempt(db: Db, message: Claimed, now: Date, allowPrivate: boolean): Promise<Outcome> {
  const settings = await getMessagingSettings(db, message.tenant_id);
  const config = settings[message.channel];
  if (!config) return { ok: false, error: "channel_not_configured", permanent: true, transport: null };
  try {
    const sent = await send(
      config,
      {
        message_id: message.message_id,
        member_id: message.member_id,
        channel: message.channel,
        locale: message.locale,
        recipient: message.recipient,
        subject: message.subject,
        body: message.body,
        campaign_id: message.campaign_id,
      },
      now,
      allowPrivate,
    );
    return { ok: true, sent, transport: config.transport };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: text.slice(0, ERROR_TEXT_LIMIT),
      permanent: error instanceof SendFailed && error.permanent,
      transport: config.transport,
    };
  }
}

async function record(db: Db, message: Claimed, outcome: Outcome, now: Date): Promise<void> {
  let retryAt: Date | null = null;
  if (!outcome.ok && !outcome.permanent) {
    retryAt = nextMessageAttempt(message.attempts, now);
    if (retryAt && message.category === "marketing") {
      const [settings, tenant] = await Promise.all([
        getMessagingSettings(db, message.tenant_id),
        getTenant(db, message.tenant_id),
      ]);
      retryAt = afterQuietHours(retryAt, settings.quiet_hours, tenant.time_zone);
    }
  }
  await db.transaction().execute(async (tx) => {
    const changes = outcome.ok
      ? {
          status: "sent" as const,
          sent_at: now,
          provider_message_id: outcome.sent.provider_message_id,
          reason: null,
        }
      : retryAt
        ? { next_attempt_at: retryAt, reason: outcome.error }
        : { status: "failed" as const, reason: outcome.error };
    const updated = await tx
      .updateTable("messages")
      .set({
        ...changes,
        transport: outcome.transport,
        locked_until: null,
        last_error: outcome.ok ? null : outcome.error,
        updated_at: now,
      })
      .where("tenant_id", "=", message.tenant_id)
      .where("message_id", "=", message.message_id)
      .where("status", "=", "queued")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0 || retryAt) return;
    await recordEvent(tx, {
      tenantId: message.tenant_id,
      type: outcome.ok ? "message.sent" : "message.failed",
      subjectId: message.member_id,
      payload: {
        message_id: message.message_id,
        member_id: message.member_id,
        channel: message.channel,
        template_code: message.template_code,
        campaign_id: message.campaign_id,
        ...(outcome.ok ? {} : { reason: outcome.error }),
      },
      at: now,
    });
  });
}

/** One pass of the message loop: sends up to a batch of due messages; returns how many it attempted. */
export async function deliverDueMessages(
  db: Db,
  options: { allowPrivate: boolean; now: () => Date },
): Promise<number> {
  const claimed = await claimDue(db, options.now());
  await Promise.all(
    claimed.map(async (message) => {
      const outcome = await attempt(db, message, options.now(), options.allowPrivate);
      await record(db, message, outcome, options.now());
    }),
  );
  return claimed.length;
}

/** The loop that sends queued messages; start it with the other background work. */
export function messageDelivery(platform: Platform): Poller {
  return new Poller(
    "message delivery",
    () =>
      deliverDueMessages(platform.database.db, {
        allowPrivate: platform.config.webhooksAllowPrivate,
        now: () => platform.clock.now(),
      }),
    { idleMs: IDLE_POLL_MS, log: platform.log },
  );
}
