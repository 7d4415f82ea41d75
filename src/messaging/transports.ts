import { createTransport } from "nodemailer";
import { postJson, resolveAllowedHost } from "../webhooks/outbound.ts";
import { signedHeaders } from "../webhooks/signature.ts";
import type { EmailTransport, ImTransport, SmsTransport } from "./schemas.ts";

/** The ways a message leaves: the brand's own sender (signed webhook), an SMS HTTP gateway, or SMTP. */

export const SEND_TIMEOUT_MS = 10_000;

export interface Outgoing {
  message_id: string;
  member_id: string;
  channel: string;
  locale: string;
  recipient: string;
  subject: string | null;
  body: string;
  campaign_id: string | null;
}

export interface Sent {
  provider_message_id: string | null;
}

/** A send that did not happen; `permanent` ones are not retried (the receiver refused the request itself). */
export class SendFailed extends Error {
  readonly permanent: boolean;
  constructor(message: string, permanent = false) {
    super(message);
    this.permanent = permanent;
  }
}

function providerId(responseBody: string): string | null {
  try {
    const parsed: unknown = JSON.parse(responseBody);
    if (typeof parsed === "object" && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const id = record.message_id ?? record.id;
      if (typeof id === "string" || typeof id === "number") return String(id);
    }
  } catch {
    // Gateways answering text or nothing leave no id.
  }
  return null;
}

function checkAnswer(statusCode: number, body: string): void {
  if (statusCode >= 200 && statusCode < 300) return;
  // 4xx other than throttling is the request itself being refused: sending it again cannot help.
  const permanent = statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429;
  throw new SendFailed(`HTTP ${statusCode}${body ? `: ${body.slice(0, 200)}` : ""}`, permanent);
}

async function sendWebhook(
  config: { url: string; secret?: string | undefined },
  message: Outgoing,
  at: Date,
  allowPrivate: boolean,
): Promise<Sent> {
  const body = JSON.stringify({ type: "message.send", timestamp: at.toISOString(), data: message });
  const headers = config.secret ? signedHeaders(message.message_id, at, body, [config.secret]) : {};
  const answer = await postJson(
    config.url,
    body,
    { ...headers },
    { timeoutMs: SEND_TIMEOUT_MS, allowPrivate },
  );
  checkAnswer(answer.statusCode, answer.body);
  return { provider_message_id: providerId(answer.body) };
}

async function sendSmsGateway(
  config: Extract<SmsTransport, { transport: "http_gateway" }>,
  message: Outgoing,
  allowPrivate: boolean,
): Promise<Sent> {
  const body = JSON.stringify({
    to: message.recipient,
    text: message.body,
    message_id: message.message_id,
    ...(config.sender_id ? { sender_id: config.sender_id } : {}),
  });
  const headers =
    config.auth_header_name && config.auth_header_value
      ? { [config.auth_header_name.toLowerCase()]: config.auth_header_value }
      : {};
  const answer = await postJson(config.url, body, headers, { timeoutMs: SEND_TIMEOUT_MS, allowPrivate });
  checkAnswer(answer.statusCode, answer.body);
  return { provider_message_id: providerId(answer.body) };
}

async function sendSmtp(
  config: Extract<EmailTransport, { transport: "smtp" }>,
  message: Outgoing,
  allowPrivate: boolean,
): Promise<Sent> {
  // Connect to the address we checked, naming the host for TLS: no second lookup that could answer differently.
  const address = await resolveAllowedHost(config.host, allowPrivate);
  const transport = createTransport({
    host: address,
    port: config.port,
    secure: config.secure,
    tls: { servername: config.host },
    ...(config.username ? { auth: { user: config.username, pass: config.password ?? "" } } : {}),
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({
      from: config.from,
      to: message.recipient,
      subject: message.subject ?? "",
      text: message.body,
      headers: { "X-Enclave-Message-Id": message.message_id },
    });
    return { provider_message_id: info.messageId || null };
  } catch (error) {
    const e = error as { responseCode?: number; message?: string };
    // 5xx from the server (mailbox unknown, relay refused) is final; 4xx and network errors are worth a retry.
    const permanent = typeof e.responseCode === "number" && e.responseCode >= 500;
    throw new SendFailed(e.message ?? String(error), permanent);
  } finally {
    transport.close();
  }
}

export type AnyTransport = SmsTransport | EmailTransport | ImTransport;

export async function send(
  config: AnyTransport,
  message: Outgoing,
  at: Date,
  allowPrivate: boolean,
): Promise<Sent> {
  switch (config.transport) {
    case "webhook":
      return sendWebhook(config, message, at, allowPrivate);
    case "http_gateway":
      return sendSmsGateway(config, message, allowPrivate);
    case "smtp":
      return sendSmtp(config, message, allowPrivate);
  }
}
