// Message templates: text per channel and locale with {{variables}}, marketing or transactional; list, create and
// edit, one row of the form per channel and locale (message-template-form.ts), the API's problems under their row.
import { Button, Card, Col, Form, Input, Row, Select, Switch, Tag } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { CodeNameFields } from "./CodeNameFields.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { SimpleList } from "./SimpleList.tsx";
import {
  CHANNELS,
  contentsOf,
  duplicateRow,
  LOCALES,
  type MessageTemplate,
  TEMPLATE_FIELDS,
  type TemplateForm,
  type TextRow,
  textAliases,
  toTemplateForm,
} from "./message-template-form.ts";

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
        default_locale: v.default_locale,
        contents: contentsOf(v.texts),
      };
      return editing
        ? api.patch(`/v1/message-templates/${editing.template_id}`, body)
        : api.post("/v1/message-templates", { code: v.code, ...body });
    },
    fields: TEMPLATE_FIELDS,
    aliases: (v) => textAliases(v.texts),
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: templates.reload }),
  });
  const rows = (Form.useWatch("texts", templateForm.form) ?? []) as (TextRow | undefined)[];
  const locales = [...new Set(rows.flatMap((r) => (r?.locale ? [r.locale] : [])))];
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
          render: (_, tpl) => (
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
        initialValues={{
          category: "marketing",
          default_locale: "zh-CN",
          texts: [{ channel: "sms", locale: "zh-CN", body: "" }],
        }}
      >
        <CodeNameFields placeholder="points_expiring" locked={!!editing} />
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="category" label={t("msg.category")} extra={t("msg.categoryHelp")}>
              <Select
                options={[
                  { value: "marketing", label: t("msg.marketing") },
                  { value: "transactional", label: t("msg.transactional") },
                ]}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="default_locale"
              label={t("msg.defaultLocale")}
              extra={t("msg.defaultLocaleHelp")}
            >
              <Select options={locales.map((l) => ({ value: l, label: l }))} />
            </Form.Item>
          </Col>
        </Row>
        <Form.List
          name="texts"
          rules={[
            {
              validator: async (_, list?: (TextRow | undefined)[]) => {
                if (!list?.length) throw new Error(t("msg.atLeastOne"));
                const twice = duplicateRow(list);
                if (twice !== undefined) throw new Error(t("msg.twice", { row: twice + 1 }));
              },
            },
          ]}
        >
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((field, index) => (
                <Card
                  key={field.key}
                  size="small"
                  data-testid={`text-${index}`}
                  style={{ marginBottom: 12 }}
                  extra={
                    fields.length > 1 && (
                      <Button size="small" onClick={() => remove(field.name)}>
                        {t("common.remove")}
                      </Button>
                    )
                  }
                >
                  <Row gutter={12}>
                    <Col span={12}>
                      <Form.Item name={[field.name, "channel"]} label={t("msg.channel")}>
                        <Select options={CHANNELS.map((c) => ({ value: c, label: c }))} />
                      </Form.Item>
                    </Col>
                    <Col span={12}>
                      <Form.Item name={[field.name, "locale"]} label={t("msg.locale")}>
                        <Select options={LOCALES.map((l) => ({ value: l, label: l }))} />
                      </Form.Item>
                    </Col>
                  </Row>
                  {rows[index]?.channel === "email" && (
                    <Form.Item
                      name={[field.name, "subject"]}
                      label={t("msg.subject")}
                      rules={[{ required: true }, { max: 200 }]}
                    >
                      <Input />
                    </Form.Item>
                  )}
                  <Form.Item
                    name={[field.name, "body"]}
                    label={t("msg.body")}
                    rules={[{ required: true }]}
                    extra={t("msg.bodyHelp")}
                  >
                    <Input.TextArea rows={4} />
                  </Form.Item>
                </Card>
              ))}
              <Form.ErrorList errors={errors} />
              <Button onClick={() => add({ channel: "sms", locale: "en", body: "" })}>
                {t("msg.addText")}
              </Button>
            </>
          )}
        </Form.List>
      </FormDrawer>
    </SimpleList>
  );
}
