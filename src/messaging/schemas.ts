import { type Static, type TSchema, Type } from "typebox";
import { PageQuery } from "../platform/http/pagination.ts";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTimeString = Type.String({ format: "date-time" });

export const ChannelSchema = Type.Union([Type.Literal("sms"), Type.Literal("email"), Type.Literal("im")], {
  description: "Also the member's consent flag that marketing messages need",
});
export const CategorySchema = Type.Union([Type.Literal("marketing"), Type.Literal("transactional")], {
  description:
    "Marketing needs the member's consent on the channel and waits out quiet hours; transactional " +
    "(a code, an order notice) needs neither",
});
export const MessageStatusSchema = Type.Union([
  Type.Literal("queued"),
  Type.Literal("sent"),
  Type.Literal("delivered"),
  Type.Literal("failed"),
  Type.Literal("suppressed"),
]);

// ——— settings ———

const ClockTime = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", examples: ["21:00"] });
export const QuietHoursSchema = Type.Object(
  { start: ClockTime, end: ClockTime },
  {
    additionalProperties: false,
    description: "Brand-local times; marketing messages asked for inside the window wait until its end",
  },
);

const Url = Type.String({
  minLength: 8,
  maxLength: 2_000,
  description: "http or https; the SSRF guard applies",
});
const Secret = Type.String({
  pattern: "^whsec_[A-Za-z0-9+/=]{32,}$",
  description: "A Standard Webhooks secret",
});
/** Shown in place of passwords and keys: they are write-only. */
export const REDACTED = "********";

export const WebhookTransportSchema = Type.Object(
  {
    transport: Type.Literal("webhook"),
    url: Url,
    secret: Type.Optional(Secret),
  },
  {
    additionalProperties: false,
    description:
      "The brand's own sender (its SMS account, its WeChat service account) receives each message as a signed " +
      "Standard Webhooks POST; the secret is generated when not given",
  },
);
export const SmsGatewaySchema = Type.Object(
  {
    transport: Type.Literal("http_gateway"),
    url: Url,
    auth_header_name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, examples: ["Authorization"] }),
    ),
    auth_header_value: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2_000, description: "Write-only; kept when a change omits it" }),
    ),
    sender_id: Type.Optional(Type.String({ maxLength: 40, description: "Signature or sender name, if any" })),
  },
  {
    additionalProperties: false,
    description: 'An SMS gateway taking `POST {"to", "text", "message_id", "sender_id"}` as JSON',
  },
);
export const SmtpSchema = Type.Object(
  {
    transport: Type.Literal("smtp"),
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    secure: Type.Boolean({ description: "TLS from the start (465); otherwise STARTTLS when offered" }),
    username: Type.Optional(Type.String({ maxLength: 255 })),
    password: Type.Optional(
      Type.String({ maxLength: 1_000, description: "Write-only; kept when a change omits it" }),
    ),
    from: Type.String({ minLength: 3, maxLength: 255, examples: ["Heytea <hello@heytea.example>"] }),
  },
  { additionalProperties: false },
);
export const ImTransportSchema = Type.Object(
  {
    ...WebhookTransportSchema.properties,
    identity_kind: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: "Which member identity is the IM address (default wechat_openid)",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "The brand's IM sender (a WeChat service account) as a signed webhook",
  },
);

export const MessagingSettingsSchema = Type.Object(
  {
    quiet_hours: Nullable(QuietHoursSchema),
    sms: Nullable(Type.Union([SmsGatewaySchema, WebhookTransportSchema])),
    email: Nullable(Type.Union([SmtpSchema, WebhookTransportSchema])),
    im: Nullable(ImTransportSchema),
  },
  { additionalProperties: false },
);
export type MessagingSettings = Static<typeof MessagingSettingsSchema>;
export type SmsTransport = NonNullable<MessagingSettings["sms"]>;
export type EmailTransport = NonNullable<MessagingSettings["email"]>;
export type ImTransport = NonNullable<MessagingSettings["im"]>;

export const MessagingSettingsPatch = Type.Object(
  {
    quiet_hours: Type.Optional(MessagingSettingsSchema.properties.quiet_hours),
    sms: Type.Optional(MessagingSettingsSchema.properties.sms),
    email: Type.Optional(MessagingSettingsSchema.properties.email),
    im: Type.Optional(MessagingSettingsSchema.properties.im),
  },
  {
    additionalProperties: false,
    description: "Each channel given replaces that channel's transport; null removes it",
  },
);
export type MessagingSettingsPatchInput = Static<typeof MessagingSettingsPatch>;

// ——— templates ———

const Locale = Type.String({ pattern: "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", examples: ["zh-CN", "en"] });
const Text = (max: number) =>
  Type.String({ minLength: 1, maxLength: max, description: "Plain text with {{variables}}" });
export const LocalizedContentSchema = Type.Object(
  { subject: Type.Optional(Text(200)), body: Text(10_000) },
  { additionalProperties: false },
);
const PerLocale = Type.Record(Locale, LocalizedContentSchema, {
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 20,
  description: "Content per locale",
  examples: [{ "zh-CN": { body: "{{member.name}}，您有 {{points}} 积分即将过期" } }],
});
export const ContentsSchema = Type.Object(
  { sms: Type.Optional(PerLocale), email: Type.Optional(PerLocale), im: Type.Optional(PerLocale) },
  {
    additionalProperties: false,
    minProperties: 1,
    description: "Content per channel; email needs a subject",
  },
);
export type Contents = Static<typeof ContentsSchema>;

const Code = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: "^[A-Za-z0-9_.-]+$",
  examples: ["points_expiring"],
});

export const TemplateCreateBody = Type.Object(
  {
    code: Code,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    category: CategorySchema,
    default_locale: Type.Optional(Locale),
    contents: ContentsSchema,
  },
  { additionalProperties: false },
);
export const TemplatePatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    category: Type.Optional(CategorySchema),
    default_locale: Type.Optional(Locale),
    contents: Type.Optional(ContentsSchema),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const TemplateSchema = Type.Object({
  template_id: Type.String({ examples: ["mtpl_01jd7x4qz8f3s9v2k6m1n0p5r7"] }),
  code: Type.String(),
  name: Type.String(),
  category: CategorySchema,
  default_locale: Type.String(),
  contents: ContentsSchema,
  variables: Type.Array(Type.String(), {
    description: "Variables the contents use; member.name, member.card_no and brand.name are filled in",
  }),
  active: Type.Boolean(),
  created_at: DateTimeString,
  updated_at: DateTimeString,
});
export const TemplateIdParams = Type.Object({ template_id: Type.String({ maxLength: 64 }) });

// ——— messages ———

export const VariablesSchema = Type.Record(
  Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.]*$", maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 2_000 }), Type.Number(), Type.Boolean()]),
  { additionalProperties: false, maxProperties: 50, examples: [{ points: 120, expires_on: "2026-12-31" }] },
);

export const SendBody = Type.Object(
  {
    member_id: Type.String({ maxLength: 64 }),
    template_code: Code,
    channel: ChannelSchema,
    variables: Type.Optional(VariablesSchema),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);

export const MessageSchema = Type.Object({
  message_id: Type.String({ examples: ["msg_01jd7x4qz8f3s9v2k6m1n0p5r7"] }),
  member_id: Type.String(),
  template_code: Type.String(),
  channel: ChannelSchema,
  category: CategorySchema,
  locale: Type.String(),
  recipient: Nullable(
    Type.String({ description: "Phone, email address or IM id; null when there was none" }),
  ),
  subject: Nullable(Type.String()),
  body: Type.String(),
  status: MessageStatusSchema,
  reason: Nullable(
    Type.String({
      description:
        "Why it was suppressed or failed: no_consent, no_address, member_inactive, channel_not_configured, " +
        "missing_variable:<name>, or the transport's error (also the last error of a queued message being retried)",
    }),
  ),
  campaign_id: Nullable(Type.String()),
  transport: Nullable(Type.String()),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(DateTimeString),
  provider_message_id: Nullable(Type.String()),
  created_at: DateTimeString,
  sent_at: Nullable(DateTimeString),
  delivered_at: Nullable(DateTimeString),
});

export const MessageIdParams = Type.Object({ message_id: Type.String({ maxLength: 64 }) });
export const MessageListQuery = Type.Object(
  {
    ...PageQuery,
    member_id: Type.Optional(Type.String({ maxLength: 64 })),
    campaign_id: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(MessageStatusSchema),
  },
  { additionalProperties: false },
);
export const ReceiptBody = Type.Object(
  {
    status: Type.Union([Type.Literal("delivered"), Type.Literal("failed")]),
    error: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false, description: "What the carrier reported for a sent message" },
);
