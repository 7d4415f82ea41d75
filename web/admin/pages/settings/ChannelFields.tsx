// One channel's transport on the messaging tab: none, or the sender the API takes for it (an SMS gateway, SMTP, a
// signed webhook). Passwords and gateway keys are write-only: the API answers "********", so the field starts empty
// and a blank field keeps what is stored. A webhook's secret is the API's to show (the brand's receiver verifies
// signatures with it): it is shown masked, read-only, and never sent back.
import { Col, Form, Input, InputNumber, Row, Select, Switch } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";

export type Channel = "sms" | "email" | "im";
export const TRANSPORTS: Record<Channel, readonly ("none" | "http_gateway" | "smtp" | "webhook")[]> = {
  sms: ["none", "http_gateway", "webhook"],
  email: ["none", "smtp", "webhook"],
  im: ["none", "webhook"],
};

/** Every field a channel's transports have; the form holds them side by side, the body takes the chosen kind's. */
export interface ChannelForm {
  transport: (typeof TRANSPORTS)[Channel][number];
  url?: string;
  secret?: string;
  auth_header_name?: string;
  auth_header_value?: string;
  sender_id?: string;
  identity_kind?: string;
  host?: string;
  port?: number;
  secure?: boolean;
  username?: string;
  password?: string;
  from?: string;
  /** Whether a write-only credential is stored (the API answered it redacted): the field says so. */
  credential_stored?: boolean;
}

export const CHANNEL_FIELDS = [
  "transport",
  "url",
  "auth_header_name",
  "auth_header_value",
  "sender_id",
  "identity_kind",
  "host",
  "port",
  "secure",
  "username",
  "password",
  "from",
] as const;

export function ChannelFields(props: { channel: Channel }) {
  const { t } = useI18n();
  const form = Form.useFormInstance();
  const { channel } = props;
  const transport =
    (Form.useWatch([channel, "transport"], form) as ChannelForm["transport"] | undefined) ?? "none";
  // Not a field on screen, so watched in the store (`preserve`): set from what the API answered.
  const stored = Form.useWatch([channel, "credential_stored"], { form, preserve: true }) === true;
  const keep = stored ? t("set.msg.credentialKept") : undefined;
  const name = (field: keyof ChannelForm) => [channel, field];
  return (
    <Row gutter={16}>
      <Col span={6}>
        <Form.Item
          name={name("transport")}
          label={t(`set.msg.channel.${channel}`)}
          extra={t(`set.msg.channelHelp.${channel}`)}
        >
          <Select
            options={TRANSPORTS[channel].map((k) => ({ value: k, label: t(`set.msg.transport.${k}`) }))}
          />
        </Form.Item>
      </Col>
      {(transport === "webhook" || transport === "http_gateway") && (
        <Col span={18}>
          <Form.Item
            name={name("url")}
            label={t("set.msg.url")}
            extra={t(transport === "webhook" ? "set.msg.webhookHelp" : "set.msg.gatewayHelp")}
            rules={[
              { required: true, message: t("set.required") },
              { type: "url", message: t("set.msg.urlRule") },
            ]}
          >
            <Input placeholder="https://" />
          </Form.Item>
        </Col>
      )}
      {transport === "webhook" && (
        <Col span={18} offset={6}>
          <Form.Item name={name("secret")} label={t("set.msg.secret")} extra={t("set.msg.secretHelp")}>
            <Input.Password readOnly placeholder={t("set.msg.secretNew")} />
          </Form.Item>
        </Col>
      )}
      {transport === "http_gateway" && (
        <>
          <Col span={6} offset={6}>
            <Form.Item name={name("auth_header_name")} label={t("set.msg.authName")} rules={[{ max: 100 }]}>
              <Input placeholder="Authorization" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name={name("auth_header_value")}
              label={t("set.msg.authValue")}
              extra={keep}
              rules={[{ max: 2000 }]}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name={name("sender_id")}
              label={t("set.msg.senderId")}
              extra={t("set.msg.senderIdHelp")}
              rules={[{ max: 40 }]}
            >
              <Input />
            </Form.Item>
          </Col>
        </>
      )}
      {transport === "smtp" && (
        <>
          <Col span={8}>
            <Form.Item
              name={name("host")}
              label={t("set.msg.host")}
              rules={[{ required: true, message: t("set.required") }, { max: 255 }]}
            >
              <Input placeholder="smtp.example.com" />
            </Form.Item>
          </Col>
          <Col span={4}>
            <Form.Item
              name={name("port")}
              label={t("set.msg.port")}
              rules={[
                { required: true, message: t("set.required") },
                { type: "number", min: 1, max: 65535 },
              ]}
            >
              <InputNumber precision={0} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name={name("secure")}
              label={t("set.msg.secure")}
              extra={t("set.msg.secureHelp")}
              valuePropName="checked"
            >
              <Switch />
            </Form.Item>
          </Col>
          <Col span={6} offset={6}>
            <Form.Item name={name("username")} label={t("set.msg.username")} rules={[{ max: 255 }]}>
              <Input autoComplete="off" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name={name("password")}
              label={t("set.msg.password")}
              extra={keep}
              rules={[{ max: 1000 }]}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name={name("from")}
              label={t("set.msg.from")}
              rules={[
                { required: true, message: t("set.required") },
                { min: 3, max: 255 },
              ]}
            >
              <Input placeholder="Brand <hello@brand.example>" />
            </Form.Item>
          </Col>
        </>
      )}
      {channel === "im" && transport === "webhook" && (
        <Col span={18} offset={6}>
          <Form.Item
            name={name("identity_kind")}
            label={t("set.msg.identityKind")}
            extra={t("set.msg.identityKindHelp")}
            rules={[{ max: 40 }]}
          >
            <Input placeholder="wechat_openid" />
          </Form.Item>
        </Col>
      )}
    </Row>
  );
}

/** The form's channel as the API's transport: the chosen kind's fields only; blank write-only fields left out. */
export function transportBody(channel: Channel, v: ChannelForm): Record<string, unknown> | null {
  const given = (s: string | undefined) => (s && s.trim() ? s.trim() : undefined);
  const pick = (fields: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  if (v.transport === "none") return null;
  if (v.transport === "webhook")
    return pick({
      transport: "webhook",
      url: v.url,
      identity_kind: channel === "im" ? given(v.identity_kind) : undefined,
    });
  if (v.transport === "http_gateway")
    return pick({
      transport: "http_gateway",
      url: v.url,
      auth_header_name: given(v.auth_header_name),
      auth_header_value: given(v.auth_header_value),
      sender_id: given(v.sender_id),
    });
  return pick({
    transport: "smtp",
    host: v.host,
    port: v.port,
    secure: v.secure ?? false,
    username: given(v.username),
    password: v.password ? v.password : undefined,
    from: v.from,
  });
}

/** The API's transport (credentials redacted) as the form's: write-only fields start empty. */
export function channelForm(stored: Record<string, unknown> | null): ChannelForm {
  if (!stored) return { transport: "none" };
  const { auth_header_value, password, ...rest } = stored;
  return {
    ...(rest as Omit<ChannelForm, "credential_stored">),
    // Empty, also right after a save: what was typed is not kept on screen.
    auth_header_value: "",
    password: "",
    credential_stored: auth_header_value !== undefined || password !== undefined,
  };
}
