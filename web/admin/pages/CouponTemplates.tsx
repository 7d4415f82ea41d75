// Coupon templates: the list with each one's type and what it gives in words ("满148减20"), a form to design one
// of every type the API has, and an edit of what the API's PATCH changes (names, budgets, limits, issuing).
import { Alert, Button, Divider, Form, Input, Tag } from "antd";
import { useState } from "react";
import { money } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { CodeNameFields } from "./CodeNameFields.tsx";
import { benefitText, validityText } from "./coupon-benefit-text.ts";
import {
  INITIAL_TEMPLATE,
  type StoredTemplate,
  TEMPLATE_ALIASES,
  TEMPLATE_FIELDS,
  type TemplateForm,
  templateBody,
  templateEdit,
  templatePatch,
} from "./coupon-template-body.ts";
import { BenefitFields, ValidityFields } from "./coupon-template-form.tsx";
import { LimitFields, StackingFields, WhereFields, WhoFields } from "./coupon-template-limits.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { SimpleList } from "./SimpleList.tsx";

interface OrgUnit {
  org_unit_id: string;
  name: string;
  kind: string;
}
interface Tier {
  code: string;
  name: string;
}

export default function CouponTemplates() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  // Newest first: the one just made is on the first page.
  const templates = useLoad(async () => {
    const { items } = await api.get<{ items: StoredTemplate[] }>("/v1/coupon-templates");
    return { items: items.sort((a, b) => b.created_at.localeCompare(a.created_at)) };
  }, []);
  // What a template can be limited to: the brand's stores and tiers (SKUs and categories are typed).
  const choices = useLoad(async () => {
    const [units, tiers] = await Promise.all([
      api.get<{ items: OrgUnit[] }>("/v1/org-units"),
      api.get<{ items: Tier[] }>("/v1/tiers"),
    ]);
    return {
      stores: units.items
        .filter((u) => u.kind === "store")
        .map((u) => ({ value: u.org_unit_id, label: u.name })),
      tiers: tiers.items.map((tier) => ({ value: tier.code, label: `${tier.name} (${tier.code})` })),
    };
  }, []);
  const [editing, setEditing] = useState<StoredTemplate>();
  const templateForm = useApiForm<TemplateForm>({
    send: (v) =>
      editing
        ? api.patch(`/v1/coupon-templates/${editing.template_id}`, templatePatch(v))
        : api.post("/v1/coupon-templates", templateBody(v)),
    fields: TEMPLATE_FIELDS,
    aliases: TEMPLATE_ALIASES,
    done: (v) => ({
      toast: editing ? t("cfg.saved", { name: v.name }) : t("coupon.created", { name: v.name }),
      reload: templates.reload,
    }),
  });
  const open = (tpl?: StoredTemplate) => {
    setEditing(tpl);
    templateForm.show(tpl ? templateEdit(tpl) : undefined);
  };
  return (
    <SimpleList<StoredTemplate>
      title={t("nav.coupons")}
      rowKey="template_id"
      loaded={templates}
      actions={
        <Button type="primary" onClick={() => open()}>
          {t("coupon.new")}
        </Button>
      }
      columns={[
        { title: t("coupon.code"), dataIndex: "code" },
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("coupon.type"), render: (_, tpl) => t(`coupon.kind.${tpl.benefit.kind}`) },
        { title: t("coupon.benefit"), render: (_, tpl) => benefitText(t, tpl.benefit, tpl.conditions) },
        {
          title: t("coupon.minSpend"),
          render: (_, tpl) => money(tpl.conditions.min_spend_minor ?? 0, lang),
        },
        { title: t("coupon.validity"), render: (_, tpl) => validityText(t, lang, tpl.validity) },
        {
          title: t("coupon.status"),
          render: (_, tpl) =>
            tpl.active ? <Tag color="green">{t("common.on")}</Tag> : <Tag>{t("common.off")}</Tag>,
        },
        {
          title: "",
          // Every template can be edited: the edit holds only what PATCH changes, and the drawer shows all of it.
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
        title={editing ? t("coupon.edit", { name: editing.name }) : t("coupon.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        width={640}
        initialValues={INITIAL_TEMPLATE}
      >
        {editing && (
          <Alert
            type="info"
            style={{ marginBottom: 12 }}
            title={t("coupon.editHelp", { benefit: benefitText(t, editing.benefit, editing.conditions) })}
          />
        )}
        <CodeNameFields placeholder="SPEND148-20" maxCode={64} locked={!!editing} />
        <Form.Item name="description" label={t("coupon.description")} rules={[{ max: 1000 }]}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
        </Form.Item>
        {!editing && (
          <>
            <Divider titlePlacement="start">{t("coupon.sectionBenefit")}</Divider>
            <BenefitFields />
            <Divider titlePlacement="start">{t("coupon.sectionWhere")}</Divider>
            <WhereFields stores={choices.data?.stores ?? []} tiers={choices.data?.tiers ?? []} />
            <Divider titlePlacement="start">{t("coupon.sectionValidity")}</Divider>
            <ValidityFields />
          </>
        )}
        <LimitFields />
        {!editing && <StackingFields />}
        <WhoFields withActive={!!editing} />
      </FormDrawer>
    </SimpleList>
  );
}
