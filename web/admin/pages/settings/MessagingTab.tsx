// Messaging settings (`/v1/messaging/settings`): quiet hours, which every marketing message (a campaign's too)
// waits out, and each channel's sender. A save sends the quiet hours and only the channels the operator touched,
// so an untouched sender is never rewritten (nor its URL checked again).
import { Col, Divider, Form, Input, Row } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import {
  type Channel,
  CHANNEL_FIELDS,
  ChannelFields,
  type ChannelForm,
  channelForm,
  transportBody,
} from "./ChannelFields.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { SwitchField } from "./fields.tsx";

type Transport = Record<string, unknown> | null;
interface MessagingSettings {
  quiet_hours: { start: string; end: string } | null;
  sms: Transport;
  email: Transport;
  im: Transport;
}
interface MessagingForm {
  quiet_on: boolean;
  quiet_hours: { start: string; end: string };
  sms: ChannelForm;
  email: ChannelForm;
  im: ChannelForm;
}

const CHANNELS: readonly Channel[] = ["sms", "email", "im"];
// The shape only: the API says whether it is a time of day (00:00–23:59), and its problem appears under the field.
const CLOCK_SHAPE = /^\d{2}:\d{2}$/;

export function MessagingTab() {
  const { t } = useI18n();
  const { api } = useConsole();
  return (
    <SettingsForm<MessagingSettings, MessagingForm>
      title={t("set.msg.title")}
      intro={t("set.msg.intro")}
      testId="settings-messaging"
      load={() => api.get<MessagingSettings>("/v1/messaging/settings")}
      toForm={(s) => ({
        quiet_on: s.quiet_hours !== null,
        quiet_hours: s.quiet_hours ?? { start: "21:00", end: "08:00" },
        sms: channelForm(s.sms),
        email: channelForm(s.email),
        im: channelForm(s.im),
      })}
      save={(v, form) => {
        const touched = CHANNELS.filter((c) => form.isFieldsTouched([[c]]));
        return api.patch<MessagingSettings>("/v1/messaging/settings", {
          quiet_hours: v.quiet_on ? v.quiet_hours : null,
          ...Object.fromEntries(touched.map((c) => [c, transportBody(c, v[c])])),
        });
      }}
      fields={[
        "quiet_hours.start",
        "quiet_hours.end",
        ...CHANNELS.flatMap((c) => CHANNEL_FIELDS.map((f) => `${c}.${f}`)),
      ]}
    >
      {() => (
        <>
          <SwitchField name="quiet_on" label={t("set.msg.quietOn")} help={t("set.msg.quietOnHelp")} />
          <QuietHours />
          {CHANNELS.map((channel) => (
            <div key={channel}>
              <Divider />
              <ChannelFields channel={channel} />
            </div>
          ))}
        </>
      )}
    </SettingsForm>
  );
}

function QuietHours() {
  const { t } = useI18n();
  const on = Form.useWatch("quiet_on", Form.useFormInstance()) as boolean | undefined;
  if (!on) return null;
  const rules = [
    { required: true, message: t("set.required") },
    { pattern: CLOCK_SHAPE, message: t("set.msg.clockRule") },
  ];
  return (
    <Row gutter={16}>
      <Col span={8}>
        <Form.Item
          name={["quiet_hours", "start"]}
          label={t("set.msg.quietStart")}
          extra={t("set.msg.quietStartHelp")}
          rules={rules}
        >
          <Input placeholder="21:00" />
        </Form.Item>
      </Col>
      <Col span={8}>
        <Form.Item
          name={["quiet_hours", "end"]}
          label={t("set.msg.quietEnd")}
          extra={t("set.msg.quietEndHelp")}
          rules={rules}
        >
          <Input placeholder="08:00" />
        </Form.Item>
      </Col>
    </Row>
  );
}
