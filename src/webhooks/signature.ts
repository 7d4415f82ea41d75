import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of the key; the
 * signature is base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` with that key, sent as `v1,<signature>`. Several
 * signatures are separated by spaces, which is how a rotated secret and its predecessor sign together.
 */
const SECRET_PREFIX = "whsec_";
const KEY_BYTES = 32;

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(KEY_BYTES).toString("base64");
}

export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(SECRET_PREFIX)) return false;
  const key = Buffer.from(value.slice(SECRET_PREFIX.length), "base64");
  return key.length >= 24 && key.length <= 64;
}

function sign(secret: string, content: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  return `v1,${createHmac("sha256", key).update(content).digest("base64")}`;
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The three headers of a Standard Webhooks message, signed with every given secret. */
export function signedHeaders(
  messageId: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): SignedHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1_000));
  const content = `${messageId}.${timestamp}.${body}`;
  return {
    "webhook-id": messageId,
    "webhook-timestamp": timestamp,
    "webhook-signature": secrets.map((secret) => sign(secret, content)).join(" "),
  };
}
