// Message templates: text per channel and locale with {{variables}}, marketing or transactional; list, create,
// and edit one that has a single channel and locale (the form's shape; wider ones are the API's).
import { Button, Col, Form, Input, Row, Select, Switch, Tag } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { CodeNameFields } from "./CodeNameFields.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { SimpleList } from "./SimpleList.tsx";

type Channel = "sms" | "email" | "im";
interface MessageTemplate {
  template_id: string;
  code: string;
  name: string;
  category: string;
  default_locale: string;
  contents: Partial<Record<Channel, Record<string, { subject?: string; body: string }>>>;
  variables: string[];
  active: boolean;
}
interface TemplateForm {
  code: string;
  name: string;
  category: "marketing" | "transactional";
  channel: Channel;
  locale: string;
  subject?: string;
  body: string;
}

/** A template as the form, when it holds one channel in one locale. */
function toTemplateForm(tpl: MessageTemplate): TemplateForm | undefined {
  const channels = Object.entries(tpl.contents);
  const [channel, locales] = channels[0] ?? [];
  const texts = Object.entries(locales ?? {});
  const [locale, text] = texts[0] ?? [];
  if (channels.length !== 1 || texts.length !== 1 || !channel || !locale || !text) return undefined;
  return {
    code: tpl.code,
    name: tpl.name,
    category: tpl.category === "transactional" ? "transactional" : "marketing",
    channel: channel as Channel,
    locale,
    ...(text.subject ? { subject: text.subject } : {}),
    body: text.body,
  };
}

export default function MessageTemplates() {
  const { t } = useI18n();
  const { api } = useConsole();
  const templates = useLoad(() => api.get<{ items: MessageTemplate[] }>("/v1/message-templates"), []);
  const [editing, setEditing] = useState<MessageTemplate>();
  const templateForm = useApiForm<TemplateForm>({
    send: (v) => {
      const body = {
        name: v.name,
        category: v.category,
        default_locale: v.locale,
        contents: {
          [v.channel]: { [v.locale]: { ...(v.subject ? { subject: v.subject } : {}), body: v.body } },
        },
      };
      return editing
        ? api.patch(`/v1/message-templates/${editing.template_id}`, body)
        : api.post("/v1/message-templates", { code: v.code, ...body });
    },
    fields: ["code", "name", "category", "channel", "locale", "subject", "body"],
    aliases: { default_locale: "locale" },
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: templates.reload }),
  });
  const channel = Form.useWatch("channel", templateForm.form);
  const open = (tpl?: MessageTemplate) => {
    setEditing(tpl);
    templateForm.show(tpl ? toTemplateForm(tpl) : undefined);
  };
  const toggle = (tpl: MessageTemplate) =>
    void api
      .patch(`/v1/message-templates/${tpl.template_id}`, { active: !tpl.active })
      .then(templates.reload);
  return (
    <SimpleList<MessageTemplate>
      title={t("nav.messages")}
      rowKey="template_id"
      loaded={templates}
      actions={
        <Button type="primary" onClick={() => open()}>
          {t("msg.new")}
        </Button>
      }
      columns={[
        { title: t("coupon.code"), dataIndex: "code" },
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("msg.category"), dataIndex: "category", render: (c: string) => <Tag>{c}</Tag> },
        {
          title: t("msg.channel"),
          render: (_, tpl) =>
            Object.entries(tpl.contents).map(([ch, locales]) => (
              <Tag key={ch}>
                {ch}: {Object.keys(locales).join(", ")}
              </Tag>
            )),
        },
        { title: t("msg.variables"), render: (_, tpl) => tpl.variables.map((v) => `{{${v}}}`).join(" ") },
        {
          title: t("coupon.status"),
          render: (_, tpl) => (
            <Switch
              size="small"
              checked={tpl.active}
              aria-label={t("rule.active", { name: tpl.name })}
              onChange={() => toggle(tpl)}
            />
          ),
        },
        {
          title: "",
          render: (_, tpl) =>
            toTemplateForm(tpl) && (
              <Button size="small" onClick={() => open(tpl)}>
                {t("cfg.edit")}
              </Button>
            ),
        },
      ]}
    >
      <FormDrawer<TemplateForm>
        state={templateForm}
        title={editing ? t("msg.edit", { name: editing.name }) : t("msg.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        initialValues={{ category: "marketing", channel: "sms", locale: "zh-CN" }}
      >
        <CodeNameFields placeholder="points_expiring" locked={!!editing} />
        <Row gutter={12}>
          <Col span={10}>
            <Form.Item name="category" label={t("msg.category")} extra={t("msg.categoryHelp")}>
              <Select
                options={[
                  { value: "marketing", label: t("msg.marketing") },
                  { value: "transactional", label: t("msg.transactional") },
                ]}
              />
            </Form.Item>
          </Col>
          <Col span={7}>
            <Form.Item name="channel" label={t("msg.channel")}>
              <Select options={["sms", "email", "im"].map((c) => ({ value: c, label: c }))} />
            </Form.Item>
          </Col>
          <Col span={7}>
            <Form.Item name="locale" label={t("msg.locale")}>
              <Select options={["zh-CN", "en"].map((l) => ({ value: l, label: l }))} />
            </Form.Item>
          </Col>
        </Row>
        {channel === "email" && (
          <Form.Item name="subject" label={t("msg.subject")} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
        )}
        <Form.Item name="body" label={t("msg.body")} rules={[{ required: true }]} extra={t("msg.bodyHelp")}>
          <Input.TextArea rows={5} />
        </Form.Item>
      </FormDrawer>
    </SimpleList>
  );
}
