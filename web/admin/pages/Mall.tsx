// The points mall: rewards priced in points (add one, edit one), and the redemptions to fulfil (MallRedemptions.tsx)
// on a second tab; the tab is in the address so a reload stays on it.
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Select, Tabs, Tag } from "antd";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useI18n } from "../../shared/i18n.tsx";
import type { CouponTemplate } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { MallRedemptions } from "./MallRedemptions.tsx";
import { type Reward, useRewardEdit } from "./RewardEdit.tsx";
import { SimpleList } from "./SimpleList.tsx";
import { showProblem } from "./form-problems.ts";

interface RewardForm {
  code: string;
  name: string;
  kind: "coupon" | "physical" | "voucher";
  coupon_template_code?: string;
  price_points: number;
  stock?: number;
}

export default function Mall() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") === "redemptions" ? "redemptions" : "rewards";
  return (
    <Tabs
      activeKey={tab}
      onChange={(key) => setParams(key === "rewards" ? {} : { tab: key }, { replace: true })}
      items={[
        { key: "rewards", label: t("mall.tabRewards"), children: <Rewards /> },
        { key: "redemptions", label: t("mall.tabRedemptions"), children: <MallRedemptions /> },
      ]}
    />
  );
}

function Rewards() {
  const { t } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const rewards = useLoad(() => api.get<{ items: Reward[] }>("/v1/mall/rewards"), []);
  const templates = useLoad(() => api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"), []);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [form] = Form.useForm<RewardForm>();
  const kind = Form.useWatch("kind", form);
  const edit = useRewardEdit(rewards.reload);
  const create = async (values: RewardForm) => {
    setProblem(undefined);
    try {
      await api.post("/v1/mall/rewards", { ...values, stock: values.stock ?? null });
      void message.success(t("mall.created", { name: values.name }));
      setOpen(false);
      form.resetFields();
      rewards.reload();
    } catch (failure) {
      setProblem(
        showProblem(form, failure, ["code", "name", "kind", "coupon_template_code", "price_points", "stock"]),
      );
    }
  };
  return (
    <SimpleList<Reward>
      title={t("nav.mall")}
      rowKey="reward_id"
      loaded={rewards}
      actions={
        <Button type="primary" onClick={() => setOpen(true)}>
          {t("mall.new")}
        </Button>
      }
      columns={[
        { title: t("coupon.code"), dataIndex: "code" },
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tier.kind"), dataIndex: "kind", render: (k: string) => <Tag>{k}</Tag> },
        { title: t("mall.price"), dataIndex: "price_points" },
        { title: t("mall.stock"), dataIndex: "stock_left", render: (s: number | null) => s ?? "∞" },
        {
          title: t("mall.active"),
          dataIndex: "active",
          render: (on: boolean) => (
            <Tag color={on ? "green" : undefined}>{on ? t("common.on") : t("common.off")}</Tag>
          ),
        },
        {
          title: "",
          render: (_, reward) => (
            <Button size="small" onClick={() => edit.open(reward)}>
              {t("cfg.edit")}
            </Button>
          ),
        },
      ]}
    >
      {edit.drawer}
      <Drawer
        open={open}
        title={t("mall.new")}
        onClose={() => setOpen(false)}
        extra={
          <Button type="primary" onClick={() => form.submit()}>
            {t("common.create")}
          </Button>
        }
      >
        {problem && <Alert type="error" title={problem} style={{ marginBottom: 12 }} />}
        <Form<RewardForm>
          form={form}
          layout="vertical"
          initialValues={{ kind: "coupon" }}
          onFinish={(v) => void create(v)}
        >
          <Form.Item name="code" label={t("coupon.code")} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="kind" label={t("tier.kind")}>
            <Select
              options={["coupon", "physical", "voucher"].map((k) => ({
                value: k,
                label: t(`mall.kind.${k}` as "mall.kind.coupon"),
              }))}
            />
          </Form.Item>
          {kind === "coupon" && (
            <Form.Item name="coupon_template_code" label={t("coupon.template")} rules={[{ required: true }]}>
              <Select
                options={(templates.data?.items ?? []).map((tpl) => ({ value: tpl.code, label: tpl.name }))}
              />
            </Form.Item>
          )}
          <Form.Item name="price_points" label={t("mall.price")} rules={[{ required: true }]}>
            <InputNumber min={1} precision={0} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="stock" label={t("mall.stock")} extra={t("mall.stockHelp")}>
            <InputNumber min={0} precision={0} style={{ width: "100%" }} />
          </Form.Item>
        </Form>
      </Drawer>
    </SimpleList>
  );
}
