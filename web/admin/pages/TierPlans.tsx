// Paid tiers sold as plans: price, duration and an optional trial; a form to offer one or to rename, reprice or
// retire it (tier, code and duration stay), the API's problem under the field it names.
import {
  Button,
  Card,
  Col,
  Form,
  InputNumber,
  Row,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { CodeNameFields } from "./CodeNameFields.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";

interface Plan {
  plan_id: string;
  tier_id: string;
  code: string;
  name: string;
  price_minor: number;
  duration: "month" | "season" | "year";
  trial_days: number;
  active: boolean;
}
interface PlanForm {
  tier_id: string;
  code: string;
  name: string;
  price_yuan: number;
  duration: Plan["duration"];
  trial_days?: number;
  active: boolean;
}

const DURATIONS = ["month", "season", "year"] as const;

export function TierPlans(props: { tiers: readonly { tier_id: string; name: string; kind: string }[] }) {
  const { t } = useI18n();
  const { api } = useConsole();
  const plans = useLoad(() => api.get<{ items: Plan[] }>("/v1/tier-plans"), []);
  const [editing, setEditing] = useState<Plan>();
  const planForm = useApiForm<PlanForm>({
    send: (v) =>
      editing
        ? api.patch(`/v1/tier-plans/${editing.plan_id}`, {
            name: v.name,
            price_minor: Math.round(v.price_yuan * 100),
            trial_days: v.trial_days ?? 0,
            active: v.active,
          })
        : api.post("/v1/tier-plans", {
            tier_id: v.tier_id,
            code: v.code,
            name: v.name,
            price_minor: Math.round(v.price_yuan * 100),
            duration: v.duration,
            ...(v.trial_days ? { trial_days: v.trial_days } : {}),
            active: v.active,
          }),
    fields: ["tier_id", "code", "name", "price_yuan", "duration", "trial_days", "active"],
    aliases: { price_minor: "price_yuan" },
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: plans.reload }),
  });
  const open = (plan?: Plan) => {
    setEditing(plan);
    planForm.show(plan ? { ...plan, price_yuan: plan.price_minor / 100 } : undefined);
  };
  const tierName = (id: string) => props.tiers.find((tier) => tier.tier_id === id)?.name ?? id;
  return (
    <Card
      size="small"
      title={<Typography.Text strong>{t("plan.title")}</Typography.Text>}
      extra={<Button onClick={() => open()}>{t("plan.new")}</Button>}
    >
      <Table<Plan>
        rowKey="plan_id"
        size="small"
        loading={plans.loading}
        dataSource={plans.data?.items ?? []}
        pagination={false}
        columns={[
          { title: t("coupon.code"), dataIndex: "code" },
          { title: t("coupon.name"), dataIndex: "name" },
          { title: t("plan.tier"), dataIndex: "tier_id", render: (id: string) => tierName(id) },
          {
            title: t("plan.price"),
            dataIndex: "price_minor",
            render: (p: number) => `¥${(p / 100).toFixed(2)}`,
          },
          {
            title: t("plan.duration"),
            dataIndex: "duration",
            render: (d: Plan["duration"]) => t(`plan.${d}`),
          },
          {
            title: t("plan.trial"),
            dataIndex: "trial_days",
            render: (days: number) => (days > 0 ? t("plan.trialDays", { days }) : "—"),
          },
          {
            title: "",
            dataIndex: "active",
            render: (on: boolean) => (
              <Tag color={on ? "green" : undefined}>{on ? t("common.on") : t("common.off")}</Tag>
            ),
          },
          {
            title: "",
            render: (_, plan) => (
              <Button size="small" onClick={() => open(plan)}>
                {t("cfg.edit")}
              </Button>
            ),
          },
        ]}
      />
      <FormDrawer<PlanForm>
        state={planForm}
        title={editing ? t("plan.edit", { name: editing.name }) : t("plan.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        initialValues={{ duration: "month", active: true }}
      >
        <Form.Item
          name="tier_id"
          label={t("plan.tier")}
          rules={[{ required: true }]}
          extra={t("plan.tierHelp")}
        >
          <Select
            disabled={!!editing}
            options={props.tiers.map((tier) => ({
              value: tier.tier_id,
              label: `${tier.name} · ${tier.kind}`,
            }))}
          />
        </Form.Item>
        <CodeNameFields placeholder="PLUS-MONTH" locked={!!editing} pattern={/^[A-Za-z0-9_-]+$/} />
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="price_yuan" label={t("plan.priceYuan")} rules={[{ required: true }]}>
              <InputNumber min={0} precision={2} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="duration" label={t("plan.duration")}>
              <Select
                disabled={!!editing}
                options={DURATIONS.map((d) => ({ value: d, label: t(`plan.${d}`) }))}
              />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="trial_days" label={t("plan.trialLabel")}>
              <InputNumber min={0} max={90} precision={0} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        </Row>
        <Space>
          <Form.Item name="active" label={t("plan.onSale")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Space>
      </FormDrawer>
    </Card>
  );
}
