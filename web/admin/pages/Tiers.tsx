// The tier ladder: qualification and benefits of each tier, lowest first; a form to add a tier or change one;
// the paid plans above it (TierPlans.tsx).
import { Button, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Tag } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { SimpleList } from "./SimpleList.tsx";
import { TierPlans } from "./TierPlans.tsx";

type Thresholds = { growth?: number; spend_minor?: number; orders?: number };
interface Tier {
  tier_id: string;
  code: string;
  name: string;
  rank: number;
  kind: string;
  qualification: { reach?: Thresholds; retain?: Thresholds };
  benefits: {
    points_multiplier: number;
    discount_percent: number;
    member_price: boolean;
    free_shipping: boolean;
  };
}
interface TierForm {
  code: string;
  name: string;
  rank: number;
  kind: "free" | "paid";
  reach_growth?: number;
  reach_spend_yuan?: number;
  reach_orders?: number;
  retain_growth?: number;
  points_multiplier: number;
  discount_percent: number;
  member_price: boolean;
  free_shipping: boolean;
}

const FIELDS = ["code", "name", "rank", "kind", "reach_growth", "reach_spend_yuan", "reach_orders"];
const MORE_FIELDS = [
  "retain_growth",
  "points_multiplier",
  "discount_percent",
  "member_price",
  "free_shipping",
];
const ALIASES = {
  "qualification.reach.growth": "reach_growth",
  "qualification.reach.spend_minor": "reach_spend_yuan",
  "qualification.reach.orders": "reach_orders",
  "qualification.retain.growth": "retain_growth",
  "benefits.points_multiplier": "points_multiplier",
  "benefits.discount_percent": "discount_percent",
};

const given = (o: Record<string, number | undefined>) => {
  const kept = Object.entries(o).filter(([, v]) => v !== undefined && v !== null);
  return kept.length ? Object.fromEntries(kept) : undefined;
};

/** The form in the API's terms: thresholds given become `qualification`, yuan become fen. */
function tierBody(v: TierForm, editing: boolean) {
  const reach = given({
    growth: v.reach_growth,
    spend_minor: v.reach_spend_yuan === undefined ? undefined : Math.round(v.reach_spend_yuan * 100),
    orders: v.reach_orders,
  });
  const retain = given({ growth: v.retain_growth });
  const qualification = reach || retain ? { ...(reach ? { reach } : {}), ...(retain ? { retain } : {}) } : {};
  return {
    ...(editing ? {} : { code: v.code, kind: v.kind }),
    name: v.name,
    rank: v.rank,
    ...(v.kind === "free" ? { qualification } : {}),
    benefits: {
      points_multiplier: v.points_multiplier,
      discount_percent: v.discount_percent,
      member_price: v.member_price,
      free_shipping: v.free_shipping,
    },
  };
}

function toForm(tier: Tier): TierForm {
  const { reach, retain } = tier.qualification;
  return {
    code: tier.code,
    name: tier.name,
    rank: tier.rank,
    kind: tier.kind === "paid" ? "paid" : "free",
    ...(reach?.growth ? { reach_growth: reach.growth } : {}),
    ...(reach?.spend_minor ? { reach_spend_yuan: reach.spend_minor / 100 } : {}),
    ...(reach?.orders ? { reach_orders: reach.orders } : {}),
    ...(retain?.growth ? { retain_growth: retain.growth } : {}),
    ...tier.benefits,
  };
}

export default function Tiers() {
  const { t } = useI18n();
  const { api } = useConsole();
  const tiers = useLoad(() => api.get<{ items: Tier[] }>("/v1/tiers"), []);
  const [editing, setEditing] = useState<Tier>();
  const tierForm = useApiForm<TierForm>({
    send: (v) =>
      editing
        ? api.patch(`/v1/tiers/${editing.tier_id}`, tierBody(v, true))
        : api.post("/v1/tiers", tierBody(v, false)),
    fields: [...FIELDS, ...MORE_FIELDS],
    aliases: ALIASES,
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: tiers.reload }),
  });
  const kind = Form.useWatch("kind", tierForm.form);
  const pairs = (o: Record<string, number> | undefined) =>
    o
      ? Object.entries(o)
          .map(([k, v]) => (k === "spend_minor" ? `spend ≥ ${v / 100}` : `${k} ≥ ${v}`))
          .join(t("common.or"))
      : "—";
  const open = (tier?: Tier) => {
    setEditing(tier);
    tierForm.show(tier ? toForm(tier) : undefined);
  };
  return (
    <SimpleList<Tier>
      title={t("nav.tiers")}
      rowKey="tier_id"
      loaded={tiers}
      actions={
        <Button type="primary" onClick={() => open()}>
          {t("tier.new")}
        </Button>
      }
      columns={[
        { title: t("tier.rank"), dataIndex: "rank" },
        { title: t("coupon.code"), dataIndex: "code" },
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tier.kind"), dataIndex: "kind", render: (k: string) => <Tag>{k}</Tag> },
        { title: t("tier.reach"), render: (_, tier) => pairs(tier.qualification.reach) },
        { title: t("tier.retain"), render: (_, tier) => pairs(tier.qualification.retain) },
        {
          title: t("tier.benefits"),
          render: (_, tier) => (
            <>
              <Tag>×{tier.benefits.points_multiplier}</Tag>
              {tier.benefits.discount_percent > 0 && <Tag>-{tier.benefits.discount_percent}%</Tag>}
              {tier.benefits.member_price && <Tag>{t("tier.memberPrice")}</Tag>}
              {tier.benefits.free_shipping && <Tag>{t("coupon.freeShipping")}</Tag>}
            </>
          ),
        },
        {
          title: "",
          render: (_, tier) => (
            <Button size="small" onClick={() => open(tier)}>
              {t("cfg.edit")}
            </Button>
          ),
        },
      ]}
    >
      <TierPlans tiers={tiers.data?.items ?? []} />
      <FormDrawer<TierForm>
        state={tierForm}
        title={editing ? t("tier.edit", { name: editing.name }) : t("tier.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        initialValues={{
          kind: "free",
          points_multiplier: 1,
          discount_percent: 0,
          member_price: false,
          free_shipping: false,
        }}
      >
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item
              name="code"
              label={t("coupon.code")}
              rules={[{ required: true }, { pattern: /^[A-Za-z0-9_-]+$/, message: t("coupon.codeRule") }]}
            >
              <Input disabled={!!editing} placeholder="GOLD" />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 100 }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="rank" label={t("tier.rank")} rules={[{ required: true }]}>
              <InputNumber min={0} max={10000} precision={0} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="kind" label={t("tier.kind")}>
          <Select
            disabled={!!editing}
            options={[
              { value: "free", label: t("tier.free") },
              { value: "paid", label: t("tier.paid") },
            ]}
          />
        </Form.Item>
        {kind === "free" && (
          <Row gutter={12}>
            <Col span={8}>
              <Form.Item name="reach_growth" label={t("tier.reachGrowth")}>
                <InputNumber min={0} precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name="reach_spend_yuan" label={t("tier.reachSpend")}>
                <InputNumber min={0} precision={2} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name="reach_orders" label={t("tier.reachOrders")}>
                <InputNumber min={0} precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item name="retain_growth" label={t("tier.retainGrowth")}>
                <InputNumber min={0} precision={0} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
          </Row>
        )}
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="points_multiplier" label={t("tier.multiplier")}>
              <InputNumber min={1} max={10} step={0.5} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="discount_percent" label={t("tier.discount")}>
              <InputNumber min={0} max={90} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        </Row>
        <Space size="large">
          <Form.Item name="member_price" label={t("tier.memberPrice")} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name="free_shipping" label={t("coupon.freeShipping")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Space>
      </FormDrawer>
    </SimpleList>
  );
}
