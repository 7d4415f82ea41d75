import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { fixedClock } from "../platform/clock.ts";
import { type Receiver, startReceiver } from "../webhooks/receiver.test-support.ts";
import { deliverDueMessages } from "./delivery.ts";
import { sendCampaignMessage } from "./send.ts";
import { type MailReceiver, startSmtpReceiver } from "./smtp.test-support.ts";

interface MessageBody {
  message_id: string;
  status: string;
  reason: string | null;
  recipient: string | null;
  subject: string | null;
  body: string;
  locale: string;
  attempts: number;
  next_attempt_at: string | null;
  provider_message_id: string | null;
  transport: string | null;
}

// 12:00 in Shanghai, the brands' time zone.
const NOON = new Date("2026-11-24T04:00:00Z");
const SMTP = { user: "mailer", pass: "s3cret-pass" };

describeEachDatabase("Messages", (database) => {
  const clock = fixedClock(NOON);
  const h = useEnclave(database, { clock });
  let gateway: Receiver;
  let smtp: MailReceiver;

  beforeAll(async () => {
    h().enclave.platform.config.webhooksAllowPrivate = true; // the receivers listen on loopback
    gateway = await startReceiver(() => ({ status: 200, body: JSON.stringify({ id: "gw-1" }) }));
    smtp = await startSmtpReceiver(SMTP);
  });
  afterAll(async () => {
    await gateway.close();
    await smtp.close();
  });

  async function deliver(): Promise<void> {
    const platform = h().enclave.platform;
    for (let i = 0; i < 20; i++) {
      const n = await deliverDueMessages(platform.database.db, {
        allowPrivate: true,
        now: () => clock.now(),
      });
      if (n === 0) return;
    }
  }

  async function configure(
    brand: Brand,
    settings: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const res = await h().api("PATCH", "/v1/messaging/settings", { token: brand.ownerToken, body: settings });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  async function template(brand: Brand, body: Record<string, unknown>): Promise<void> {
    const res = await h().api("POST", "/v1/message-templates", { token: brand.ownerToken, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }

  let phone = 0;
  async function join(brand: Brand, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: `1360000${String(++phone).padStart(4, "0")}`, channel: "api", ...extra },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.member_id;
  }

  async function send(brand: Brand, body: Record<string, unknown>): Promise<MessageBody> {
    const res = await h().api<MessageBody>("POST", "/v1/messages", { token: brand.writeKey, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function message(brand: Brand, id: string): Promise<MessageBody> {
    return (await h().api<MessageBody>("GET", `/v1/messages/${id}`, { token: brand.readKey })).body;
  }

  const gatewayBrand = async () => {
    clock.set(NOON);
    const brand = await h().newBrand();
    await configure(brand, {
      sms: {
        transport: "http_gateway",
        url: gateway.url,
        auth_header_name: "Authorization",
        auth_header_value: "Bearer gw-key",
        sender_id: "TEA",
      },
    });
    await template(brand, {
      code: "points_expiring",
      name: "Points expiring",
      category: "marketing",
      contents: {
        sms: {
          "zh-CN": { body: "{{member.name}}，您有{{points}}积分将于{{date}}过期【{{brand.name}}】" },
          en: { body: "{{member.name}}, {{points}} points expire on {{date}}" },
        },
      },
    });
    return brand;
  };
  const forRecipient = (to: string) =>
    gateway.received.filter((r) => (JSON.parse(r.body) as { to: string }).to === to);

  it("sends an SMS through the HTTP gateway with its key, rendered in the member's language", async () => {
    const brand = await gatewayBrand();
    const zh = await join(brand, { name: "小明", consent: { sms: true } });
    const en = await join(brand, { name: "Ann", consent: { sms: true }, attributes: { locale: "en-GB" } });
    const variables = { points: 120, date: "2026-12-31" };
    const first = await send(brand, {
      member_id: zh,
      template_code: "points_expiring",
      channel: "sms",
      variables,
    });
    const second = await send(brand, {
      member_id: en,
      template_code: "points_expiring",
      channel: "sms",
      variables,
    });
    expect(first).toMatchObject({ status: "queued", locale: "zh-CN", recipient: "+8613600000001" });
    expect(second).toMatchObject({
      status: "queued",
      locale: "en",
      body: "Ann, 120 points expire on 2026-12-31",
    });

    await deliver();
    const [request] = forRecipient("+8613600000001");
    if (!request) throw new Error("the gateway got nothing");
    expect(request.headers.authorization).toBe("Bearer gw-key");
    expect(JSON.parse(request.body)).toEqual({
      to: "+8613600000001",
      text: expect.stringMatching(/^小明，您有120积分将于2026-12-31过期【Brand \d+】$/) as unknown,
      message_id: first.message_id,
      sender_id: "TEA",
    });
    expect(await message(brand, first.message_id)).toMatchObject({
      status: "sent",
      transport: "http_gateway",
      provider_message_id: "gw-1",
      attempts: 1,
    });

    const receipt = await h().api<MessageBody>("POST", `/v1/messages/${first.message_id}/receipt`, {
      token: brand.writeKey,
      body: { status: "delivered" },
    });
    expect(receipt.body.status).toBe("delivered");
  });

  it("suppresses marketing without consent, but sends transactional messages regardless", async () => {
    const brand = await gatewayBrand();
    await template(brand, {
      code: "otp",
      name: "Sign-in code",
      category: "transactional",
      contents: { sms: { "zh-CN": { body: "验证码 {{code}}" } } },
    });
    const declined = await join(brand, { consent: { sms: false } });
    const silent = await join(brand);
    const variables = { points: 1, date: "2026-12-31" };
    expect(
      await send(brand, { member_id: declined, template_code: "points_expiring", channel: "sms", variables }),
    ).toMatchObject({
      status: "suppressed",
      reason: "no_consent",
    });
    expect(
      await send(brand, { member_id: silent, template_code: "points_expiring", channel: "sms", variables }),
    ).toMatchObject({
      status: "suppressed",
      reason: "no_consent",
    });
    const code = await send(brand, {
      member_id: declined,
      template_code: "otp",
      channel: "sms",
      variables: { code: "4821" },
    });
    expect(code).toMatchObject({ status: "queued", body: "验证码 4821" });
    await deliver();
    expect(
      forRecipient(code.recipient ?? "").map((r) => (JSON.parse(r.body) as { text: string }).text),
    ).toEqual(["验证码 4821"]);

    // Every message is on record, sent or not, newest first.
    const record = await h().api<{ items: MessageBody[] }>("GET", `/v1/messages?member_id=${declined}`, {
      token: brand.readKey,
    });
    expect(record.body.items.map((m) => m.status)).toEqual(["sent", "suppressed"]);
    const suppressed = await h().api<{ items: MessageBody[] }>("GET", "/v1/messages?status=suppressed", {
      token: brand.readKey,
    });
    expect(suppressed.body.items).toHaveLength(2);
  });

  it("defers marketing asked for in quiet hours to their end in the brand's time zone, and sends it then", async () => {
    const brand = await gatewayBrand();
    const member = await join(brand, { consent: { sms: true } });
    clock.set(new Date("2026-11-24T14:30:00Z")); // 22:30 in Shanghai
    const late = await send(brand, {
      member_id: member,
      template_code: "points_expiring",
      channel: "sms",
      variables: { points: 5, date: "2026-12-31" },
    });
    expect(late).toMatchObject({ status: "queued", next_attempt_at: "2026-11-25T00:00:00.000Z" }); // 08:00 local
    await deliver();
    clock.set(new Date("2026-11-24T23:59:00Z"));
    await deliver();
    expect(forRecipient(late.recipient ?? "")).toHaveLength(0);
    clock.set(new Date("2026-11-25T00:00:00Z"));
    await deliver();
    expect(forRecipient(late.recipient ?? "")).toHaveLength(1);
    expect((await message(brand, late.message_id)).status).toBe("sent");
  });

  it("records what cannot be sent: a missing variable, a channel without transport, a member without address", async () => {
    const brand = await gatewayBrand();
    await template(brand, {
      code: "welcome",
      name: "Welcome",
      category: "transactional",
      contents: { email: { "zh-CN": { subject: "Welcome", body: "Hello {{member.name}}" } } },
    });
    const member = await join(brand, { consent: { sms: true, email: true } });
    expect(
      await send(brand, {
        member_id: member,
        template_code: "points_expiring",
        channel: "sms",
        variables: { points: 3 },
      }),
    ).toMatchObject({
      status: "failed",
      reason: "missing_variable:date",
    });
    expect(
      await send(brand, { member_id: member, template_code: "welcome", channel: "email" }),
    ).toMatchObject({
      status: "suppressed",
      reason: "no_address",
    });
    await h().api("PATCH", `/v1/members/${member}`, {
      token: brand.writeKey,
      body: { email: "ada@example.com" },
    });
    expect(
      await send(brand, { member_id: member, template_code: "welcome", channel: "email" }),
    ).toMatchObject({
      status: "failed",
      reason: "channel_not_configured",
    });
    const noContent = await h().api("POST", "/v1/messages", {
      token: brand.writeKey,
      body: { member_id: member, template_code: "welcome", channel: "sms" },
    });
    expect(noContent.body).toMatchObject({ code: "business-rule", field: "/channel" });
    const unknown = await h().api("POST", "/v1/messages", {
      token: brand.writeKey,
      body: { member_id: member, template_code: "nope", channel: "sms" },
    });
    expect(unknown.body).toMatchObject({ code: "business-rule", field: "/template_code" });
    const other = await h().newBrand();
    const foreign = await h().api("POST", "/v1/messages", {
      token: other.writeKey,
      body: { member_id: member, template_code: "welcome", channel: "email" },
    });
    expect(foreign.status).toBe(422); // the other brand has no such template, let alone the member
  });

  it("retries a gateway that is down, then fails; a refused request fails at once", async () => {
    const brand = await gatewayBrand();
    const member = await join(brand, { consent: { sms: true } });
    const variables = { points: 9, date: "2026-12-31" };
    gateway.answer = () => ({ status: 503, body: "busy" });
    try {
      const flaky = await send(brand, {
        member_id: member,
        template_code: "points_expiring",
        channel: "sms",
        variables,
      });
      await deliver();
      expect(await message(brand, flaky.message_id)).toMatchObject({
        status: "queued",
        attempts: 1,
        next_attempt_at: new Date(NOON.getTime() + 30_000).toISOString(),
      });
      for (const wait of [30, 120, 600, 3_600]) {
        clock.advance(wait * 1_000);
        await deliver();
      }
      expect(await message(brand, flaky.message_id)).toMatchObject({ status: "failed", attempts: 5 });
      expect((await message(brand, flaky.message_id)).reason).toContain("HTTP 503");

      gateway.answer = () => ({ status: 400, body: "bad number" });
      const refused = await send(brand, {
        member_id: member,
        template_code: "points_expiring",
        channel: "sms",
        variables,
      });
      await deliver();
      expect(await message(brand, refused.message_id)).toMatchObject({ status: "failed", attempts: 1 });
    } finally {
      gateway.answer = () => ({ status: 200, body: JSON.stringify({ id: "gw-1" }) });
    }
  });

  it("sends email over SMTP with the stored password, which responses never show", async () => {
    clock.set(NOON);
    const brand = await h().newBrand();
    const settings = await configure(brand, {
      email: {
        transport: "smtp",
        host: "127.0.0.1",
        port: smtp.port,
        secure: false,
        username: SMTP.user,
        password: SMTP.pass,
        from: "Tea House <hello@tea.example>",
      },
    });
    expect(settings.email).toMatchObject({ password: "********" });
    // Changing the sender without the password keeps the stored one.
    await configure(brand, {
      email: {
        transport: "smtp",
        host: "127.0.0.1",
        port: smtp.port,
        secure: false,
        username: SMTP.user,
        from: "Tea <news@tea.example>",
      },
    });
    await template(brand, {
      code: "newsletter",
      name: "Newsletter",
      category: "marketing",
      contents: {
        email: {
          en: {
            subject: "News for {{member.name}}",
            body: "Hello {{member.name}}, card {{member.card_no}}.",
          },
        },
      },
    });
    const member = await join(brand, { name: "Ada", email: "ada@example.com", consent: { email: true } });
    const sent = await send(brand, { member_id: member, template_code: "newsletter", channel: "email" });
    expect(sent).toMatchObject({ status: "queued", subject: "News for Ada", locale: "en" });
    await deliver();
    const mail = smtp.mails.find((m) => m.to.includes("ada@example.com"));
    if (!mail) throw new Error("no mail received");
    expect(mail).toMatchObject({ from: "news@tea.example", user: SMTP.user });
    expect(mail.raw).toContain("Subject: News for Ada");
    expect(mail.raw).toContain("Hello Ada, card ");
    expect(mail.raw.toLowerCase()).toContain(`x-enclave-message-id: ${sent.message_id}`);
    expect(await message(brand, sent.message_id)).toMatchObject({ status: "sent", transport: "smtp" });
    const shown = await h().api<{ email: Record<string, unknown> }>("GET", "/v1/messaging/settings", {
      token: brand.ownerToken,
    });
    expect(shown.body.email.password).toBe("********");
    expect(JSON.stringify(shown.body)).not.toContain(SMTP.pass);
  });

  it("hands IM messages to the brand's own sender as signed webhooks, addressed by the member's identity", async () => {
    clock.set(new Date()); // the signature's timestamp is checked against real time
    const brand = await h().newBrand();
    const receiver = await startReceiver();
    try {
      const settings = await configure(brand, {
        quiet_hours: null,
        im: { transport: "webhook", url: receiver.url },
      });
      const secret = (settings.im as { secret: string }).secret;
      expect(secret).toMatch(/^whsec_/);
      await template(brand, {
        code: "coupon_ready",
        name: "Coupon ready",
        category: "marketing",
        contents: { im: { "zh-CN": { body: "{{member.name}}，您的优惠券已到账" } } },
      });
      const member = await join(brand, {
        name: "小红",
        consent: { im: true },
        identities: [{ kind: "wechat_openid", value: "o-red-123" }],
      });
      const sent = await send(brand, { member_id: member, template_code: "coupon_ready", channel: "im" });
      expect(sent).toMatchObject({ status: "queued", recipient: "o-red-123" });
      await deliver();
      const [request] = receiver.received;
      if (!request) throw new Error("the sender got nothing");
      const verified = new Webhook(secret).verify(
        request.body,
        request.headers as Record<string, string>,
      ) as {
        type: string;
        data: Record<string, unknown>;
      };
      expect(verified).toMatchObject({
        type: "message.send",
        data: {
          message_id: sent.message_id,
          recipient: "o-red-123",
          body: "小红，您的优惠券已到账",
          channel: "im",
        },
      });
      expect(await message(brand, sent.message_id)).toMatchObject({ status: "sent", transport: "webhook" });
    } finally {
      await receiver.close();
    }
  });

  it("refuses transports on private networks unless the operator allows them", async () => {
    const brand = await h().newBrand();
    h().enclave.platform.config.webhooksAllowPrivate = false;
    try {
      const res = await h().api("PATCH", "/v1/messaging/settings", {
        token: brand.ownerToken,
        body: { sms: { transport: "http_gateway", url: "http://192.168.0.10/sms" } },
      });
      expect(res.body).toMatchObject({ code: "validation-failed", field: "/sms/url" });
      const smtpLocal = await h().api("PATCH", "/v1/messaging/settings", {
        token: brand.ownerToken,
        body: {
          email: { transport: "smtp", host: "localhost", port: 25, secure: false, from: "a@b.example" },
        },
      });
      expect(smtpLocal.body).toMatchObject({ code: "validation-failed", field: "/email/host" });
    } finally {
      h().enclave.platform.config.webhooksAllowPrivate = true;
    }
  });

  it("validates templates: locales, email subjects, the default locale, unique codes", async () => {
    const brand = await h().newBrand();
    const post = (body: Record<string, unknown>) =>
      h().api("POST", "/v1/message-templates", { token: brand.ownerToken, body });
    const base = { code: "t1", name: "T", category: "marketing" };
    expect((await post({ ...base, contents: { sms: { "not a locale": { body: "x" } } } })).status).toBe(400);
    expect((await post({ ...base, contents: { sms: { "zh-CN": { body: 5 } } } })).status).toBe(400);
    expect((await post({ ...base, contents: { email: { en: { body: "no subject" } } } })).body).toMatchObject(
      {
        field: "/contents/email/en/subject",
      },
    );
    expect(
      (await post({ ...base, default_locale: "fr", contents: { sms: { en: { body: "hi" } } } })).body,
    ).toMatchObject({ field: "/default_locale" });
    const created = await h().api<{ template_id: string; default_locale: string; variables: string[] }>(
      "POST",
      "/v1/message-templates",
      {
        token: brand.ownerToken,
        body: { ...base, contents: { sms: { en: { body: "{{a}} {{member.name}}" } } } },
      },
    );
    expect(created.body).toMatchObject({ default_locale: "en", variables: ["a", "member.name"] });
    expect((await post({ ...base, contents: { sms: { en: { body: "again" } } } })).status).toBe(409);
    const patched = await h().api("PATCH", `/v1/message-templates/${created.body.template_id}`, {
      token: brand.ownerToken,
      body: { active: false },
    });
    expect(patched.body).toMatchObject({ active: false });
    const member = await join(brand, { consent: { sms: true } });
    const retired = await h().api("POST", "/v1/messages", {
      token: brand.writeKey,
      body: { member_id: member, template_code: "t1", channel: "sms", variables: { a: 1 } },
    });
    expect(retired.body).toMatchObject({ code: "business-rule", field: "/template_code" });
  });

  it("lets campaigns send inside their transaction, recorded with the campaign, never throwing for a retired template", async () => {
    const brand = await gatewayBrand();
    const member = await join(brand, { name: "Cam", consent: { sms: true } });
    const db = h().enclave.platform.database.db;
    const request = { member_id: member, channel: "sms" as const, campaign_id: "cmp_test" };
    const sent = await db
      .transaction()
      .execute((tx) =>
        sendCampaignMessage(
          tx,
          brand.tenantId,
          { ...request, template_code: "points_expiring", variables: { points: 1, date: "2027-01-01" } },
          clock.now(),
        ),
      );
    expect(sent).toMatchObject({ status: "queued" });
    const nothing = await db
      .transaction()
      .execute((tx) =>
        sendCampaignMessage(tx, brand.tenantId, { ...request, template_code: "retired" }, clock.now()),
      );
    expect(nothing).toBeUndefined();
    const gone = await db
      .transaction()
      .execute((tx) =>
        sendCampaignMessage(
          tx,
          brand.tenantId,
          { ...request, member_id: "mem_none", template_code: "points_expiring" },
          clock.now(),
        ),
      );
    expect(gone).toBeUndefined();
    const record = await h().api<{ items: MessageBody[] }>("GET", "/v1/messages?campaign_id=cmp_test", {
      token: brand.readKey,
    });
    expect(record.body.items.map((m) => m.message_id)).toEqual([sent?.message_id]);
  });
});
