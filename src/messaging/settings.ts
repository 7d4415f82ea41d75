import { Value } from "typebox/value";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import type { Executor } from "../platform/db/database.ts";
import { invalidField } from "../platform/http/problems.ts";
import { refusedUrl } from "../webhooks/addresses.ts";
import { newWebhookSecret } from "../webhooks/signature.ts";
import {
  type MessagingSettings,
  type MessagingSettingsPatchInput,
  MessagingSettingsSchema,
  REDACTED,
} from "./schemas.ts";

/** A brand's messaging settings; defaults until the brand changes them. No channel is configured at first. */
export const DEFAULT_MESSAGING_SETTINGS: MessagingSettings = {
  // Marketing texts at night draw complaints (and carriers in China restrict them): 21:00–08:00 is quiet.
  quiet_hours: { start: "21:00", end: "08:00" },
  sms: null,
  email: null,
  im: null,
};

const cache = new TtlCache<MessagingSettings>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

/** With credentials: for sending only, never for a response (see `redacted`). */
export async function getMessagingSettings(db: Executor, tenantId: string): Promise<MessagingSettings> {
  return cache.get(tenantId, () => loadSettings(db, tenantId));
}

async function loadSettings(db: Executor, tenantId: string): Promise<MessagingSettings> {
  const row = await db
    .selectFrom("messaging_settings")
    .select("settings")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return Value.Parse(MessagingSettingsSchema, { ...DEFAULT_MESSAGING_SETTINGS, ...row?.settings });
}

/** Passwords and gateway keys are write-only; webhook secrets are shown, as the brand's receiver needs them. */
export function redacted(settings: MessagingSettings): MessagingSettings {
  const sms =
    settings.sms?.transport === "http_gateway" && settings.sms.auth_header_value !== undefined
      ? { ...settings.sms, auth_header_value: REDACTED }
      : settings.sms;
  const email =
    settings.email?.transport === "smtp" && settings.email.password !== undefined
      ? { ...settings.email, password: REDACTED }
      : settings.email;
  return { ...settings, sms, email };
}

function checkUrl(field: string, url: string, allowPrivate: boolean): void {
  const refused = refusedUrl(url, allowPrivate);
  if (refused) throw invalidField(field, `${url}: ${refused}`);
}

/**
 * A channel given replaces that channel's transport, except that a write-only credential left out (or sent back
 * redacted) keeps its stored value, and a webhook without a secret gets a new one (or keeps the one it had).
 */
export async function updateMessagingSettings(
  tx: Executor,
  tenantId: string,
  patch: MessagingSettingsPatchInput,
  options: { allowPrivate: boolean; now: Date },
): Promise<MessagingSettings> {
  const current = await loadSettings(tx, tenantId);
  const next: MessagingSettings = { ...current };
  if (patch.quiet_hours !== undefined) next.quiet_hours = patch.quiet_hours;
  if (patch.sms !== undefined) {
    const sms = patch.sms;
    if (sms?.transport === "http_gateway") {
      checkUrl("/sms/url", sms.url, options.allowPrivate);
      const kept = current.sms?.transport === "http_gateway" ? current.sms.auth_header_value : undefined;
      const value =
        sms.auth_header_value === REDACTED || sms.auth_header_value === undefined
          ? kept
          : sms.auth_header_value;
      next.sms = { ...sms, ...(value !== undefined ? { auth_header_value: value } : {}) };
    } else if (sms?.transport === "webhook") {
      checkUrl("/sms/url", sms.url, options.allowPrivate);
      next.sms = {
        ...sms,
        secret:
          sms.secret ??
          (current.sms?.transport === "webhook" ? current.sms.secret : undefined) ??
          newWebhookSecret(),
      };
    } else {
      next.sms = null;
    }
  }
  if (patch.email !== undefined) {
    const email = patch.email;
    if (email?.transport === "smtp") {
      checkUrl(
        "/email/host",
        `http://${email.host.includes(":") ? `[${email.host}]` : email.host}/`,
        options.allowPrivate,
      );
      const kept = current.email?.transport === "smtp" ? current.email.password : undefined;
      const password = email.password === REDACTED || email.password === undefined ? kept : email.password;
      next.email = { ...email, ...(password !== undefined ? { password } : {}) };
    } else if (email?.transport === "webhook") {
      checkUrl("/email/url", email.url, options.allowPrivate);
      next.email = {
        ...email,
        secret:
          email.secret ??
          (current.email?.transport === "webhook" ? current.email.secret : undefined) ??
          newWebhookSecret(),
      };
    } else {
      next.email = null;
    }
  }
  if (patch.im !== undefined) {
    const im = patch.im;
    if (im) checkUrl("/im/url", im.url, options.allowPrivate);
    next.im = im ? { ...im, secret: im.secret ?? current.im?.secret ?? newWebhookSecret() } : null;
  }
  const settings = Value.Parse(MessagingSettingsSchema, next);
  cache.delete(tenantId);
  await tx
    .insertInto("messaging_settings")
    .values({ tenant_id: tenantId, settings: JSON.stringify(settings), updated_at: options.now })
    .onConflict((oc) =>
      oc.column("tenant_id").doUpdateSet({ settings: JSON.stringify(settings), updated_at: options.now }),
    )
    .execute();
  return settings;
}
