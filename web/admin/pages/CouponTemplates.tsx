// Coupon templates: the list with what was issued and redeemed, and a form to design a new one.
import { errorText } from "../../shared/api.ts";
import {
  Alert,
  App,
  Button,
  Card,
  Drawer,
  Form,
  InputNumber,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { money } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { CodeNameFields } from "./CodeNameFields.tsx";
import type { CouponTemplate } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { showProblem } from "./form-problems.ts";

interface TemplateForm {
  code: string;
  name: string;
  kind: "amount_off" | "percent_off" | "free_shipping";
  amount_yuan?: number;
  percent?: number;
  min_spend_yuan?: number;
  days: number;
  staff_issuable: boolean;
  claimable: boolean;
}

const FORM_FIELDS = ["code", "name", "kind", "amount_yuan", "percent", "min_spend_yuan", "days"] as const;
const ALIASES = {
  "benefit.amount_minor": "amount_yuan",
  "benefit.percent": "percent",
  "conditions.min_spend_minor": "min_spend_yuan",
  "validity.days": "days",
};

/** The form in the API's terms: yuan become fen, the benefit and validity become their tagged objects. */
function templateBody(values: TemplateForm) {
  const benefit =
    values.kind === "amount_off"
      ? { kind: "amount_off", amount_minor: Math.round((values.amount_yuan ?? 0) * 100) }
      : values.kind === "percent_off"
        ? { kind: "percent_off", percent: values.percent ?? 0 }
        : { kind: "free_shipping" };
  return {
    code: values.code,
    name: values.name,
    benefit,
    ...(values.min_spend_yuan
      ? { conditions: { min_spend_minor: Math.round(values.min_spend_yuan * 100) } }
      : {}),
    validity: { kind: "relative", days: values.days },
    staff_issuable: values.staff_issuable,
    claimable: values.claimable,
  };
}

export default function CouponTemplates() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const templates = useLoad(() => api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"), []);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [form] = Form.useForm<TemplateForm>();
  const kind = Form.useWatch("kind", form);

  const create = async (values: TemplateForm) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await api.post("/v1/coupon-templates", templateBody(values));
      void message.success(t("coupon.created", { name: values.name }));
      setOpen(false);
      form.resetFields();
      templates.reload();
    } catch (failure) {
      setProblem(showProblem(form, failure, FORM_FIELDS, ALIASES));
    } finally {
      setBusy(false);
    }
  };

  const benefitText = (tpl: CouponTemplate) =>
    tpl.benefit.kind === "amount_off"
      ? t("coupon.amountOffText", { amount: money(tpl.benefit.amount_minor, lang) })
      : tpl.benefit.kind === "percent_off"
        ? t("coupon.percentOffText", { percent: tpl.benefit.percent ?? 0 })
        : tpl.benefit.kind;

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <div style={{ display: "flex", justifyContent: "space-between" }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("nav.coupons")}
        </Typography.Title>
        <Button type="primary" onClick={() => setOpen(true)}>
          {t("coupon.new")}
        </Button>
      </div>
      {templates.error !== undefined && <Alert type="error" title={errorText(templates.error)} />}
      <Card size="small">
        <Table<CouponTemplate>
          rowKey="template_id"
          loading={templates.loading}
          dataSource={templates.data?.items ?? []}
          pagination={{ pageSize: 20 }}
          columns={[
            { title: t("coupon.code"), dataIndex: "code" },
            { title: t("coupon.name"), dataIndex: "name" },
            { title: t("coupon.benefit"), render: (_, tpl) => benefitText(tpl) },
            {
              title: t("coupon.minSpend"),
              render: (_, tpl) => money(tpl.conditions?.min_spend_minor ?? 0, lang),
            },
            {
              title: t("coupon.validity"),
              render: (_, tpl) =>
                tpl.validity.kind === "relative"
                  ? t("coupon.daysAfterIssue", { days: tpl.validity.days ?? 0 })
                  : "—",
            },
            {
              title: t("coupon.status"),
              render: (_, tpl) =>
                (tpl as { active?: boolean }).active === false ? (
                  <Tag>{t("common.off")}</Tag>
                ) : (
                  <Tag color="green">{t("common.on")}</Tag>
                ),
            },
          ]}
        />
      </Card>
      <Drawer
        open={open}
        size={520}
        title={t("coupon.new")}
        onClose={() => setOpen(false)}
        extra={
          <Button type="primary" loading={busy} onClick={() => form.submit()}>
            {t("common.create")}
          </Button>
        }
      >
        {problem && <Alert type="error" title={problem} style={{ marginBottom: 12 }} />}
        <Form<TemplateForm>
          form={form}
          layout="vertical"
          initialValues={{ kind: "amount_off", days: 30, staff_issuable: true, claimable: false }}
          onFinish={(v) => void create(v)}
        >
          <CodeNameFields placeholder="SPEND100-20" maxCode={64} />
          <Form.Item name="kind" label={t("coupon.benefit")}>
            <Select
              options={[
                { value: "amount_off", label: t("coupon.amountOff") },
                { value: "percent_off", label: t("coupon.percentOff") },
                { value: "free_shipping", label: t("coupon.freeShipping") },
              ]}
            />
          </Form.Item>
          {kind === "amount_off" && (
            <Form.Item name="amount_yuan" label={t("coupon.amountYuan")} rules={[{ required: true }]}>
              <InputNumber min={0} precision={2} style={{ width: "100%" }} />
            </Form.Item>
          )}
          {kind === "percent_off" && (
            <Form.Item name="percent" label={t("coupon.percent")} rules={[{ required: true }]}>
              <InputNumber min={1} max={100} precision={0} style={{ width: "100%" }} />
            </Form.Item>
          )}
          <Form.Item name="min_spend_yuan" label={t("coupon.minSpendYuan")}>
            <InputNumber min={0} precision={2} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="days" label={t("coupon.days")} rules={[{ required: true }]}>
            <InputNumber min={1} max={3650} precision={0} style={{ width: "100%" }} />
          </Form.Item>
          <Space size="large">
            <Form.Item name="staff_issuable" label={t("coupon.staffIssuable")} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="claimable" label={t("coupon.claimable")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
        </Form>
      </Drawer>
    </Space>
  );
}
