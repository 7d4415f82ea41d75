// Earn rules: how orders turn into points and growth value; a form for base, multiplier and bonus rules, also
// to change one (when the form shows all of its definition).
import { useState } from "react";
import { Button, Col, Form, Input, InputNumber, Row, Select, Switch, Tag, Typography } from "antd";
import { dateTime } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { SimpleList } from "./SimpleList.tsx";

interface EarnRule {
  rule_id: string;
  name: string;
  definition: { kind: string } & Record<string, unknown>;
  active: boolean;
  starts_at: string | null;
  ends_at: string | null;
}
interface RuleForm {
  name: string;
  kind: "base" | "multiplier" | "bonus";
  points_per_unit?: number;
  growth_per_unit?: number;
  unit_yuan?: number;
  factor?: number;
  points?: number;
  growth?: number;
  first_purchase_only?: boolean;
  channels?: string[];
  min_paid_yuan?: number;
}

const FIELDS = [
  "name",
  "kind",
  "points_per_unit",
  "growth_per_unit",
  "unit_yuan",
  "factor",
  "points",
  "growth",
];
const ALIASES = {
  "definition.unit_minor": "unit_yuan",
  "definition.when.channels": "channels",
  "definition.when.min_paid_minor": "min_paid_yuan",
};
const CHANNELS = ["pos", "mini_program", "tmall", "jd", "douyin", "shopify", "woocommerce"];

function ruleBody(v: RuleForm) {
  const when = {
    ...(v.channels?.length ? { channels: v.channels } : {}),
    ...(v.min_paid_yuan ? { min_paid_minor: Math.round(v.min_paid_yuan * 100) } : {}),
  };
  const scope = Object.keys(when).length ? { when } : {};
  const definition =
    v.kind === "base"
      ? {
          kind: "base",
          points_per_unit: v.points_per_unit,
          growth_per_unit: v.growth_per_unit,
          unit_minor: Math.round((v.unit_yuan ?? 0) * 100),
          ...scope,
        }
      : v.kind === "multiplier"
        ? { kind: "multiplier", factor: v.factor, ...scope }
        : {
            kind: "bonus",
            points: v.points,
            ...(v.growth ? { growth: v.growth } : {}),
            first_purchase_only: v.first_purchase_only ?? false,
            ...scope,
          };
  return { name: v.name, definition };
}

const KNOWN: Record<string, readonly string[]> = {
  base: ["kind", "points_per_unit", "growth_per_unit", "unit_minor", "when"],
  multiplier: ["kind", "factor", "when"],
  bonus: ["kind", "points", "growth", "first_purchase_only", "when"],
};

/** A stored rule as the form, or undefined when its definition holds more than the form shows. */
function toRuleForm(rule: EarnRule): RuleForm | undefined {
  const d = rule.definition;
  const when = (d.when ?? {}) as { channels?: string[]; min_paid_minor?: number };
  const known = KNOWN[d.kind];
  if (!known || Object.keys(d).some((k) => !known.includes(k))) return undefined;
  if (Object.keys(when).some((k) => k !== "channels" && k !== "min_paid_minor")) return undefined;
  const num = (key: string) => (typeof d[key] === "number" ? d[key] : undefined);
  const unit = num("unit_minor");
  return {
    name: rule.name,
    kind: d.kind as RuleForm["kind"],
    ...(num("points_per_unit") !== undefined ? { points_per_unit: num("points_per_unit") } : {}),
    ...(num("growth_per_unit") !== undefined ? { growth_per_unit: num("growth_per_unit") } : {}),
    ...(unit !== undefined ? { unit_yuan: unit / 100 } : {}),
    ...(num("factor") !== undefined ? { factor: num("factor") } : {}),
    ...(num("points") !== undefined ? { points: num("points") } : {}),
    ...(num("growth") !== undefined ? { growth: num("growth") } : {}),
    first_purchase_only: d.first_purchase_only === true,
    ...(when.channels ? { channels: when.channels } : {}),
    ...(when.min_paid_minor ? { min_paid_yuan: when.min_paid_minor / 100 } : {}),
  };
}

export default function EarnRules() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const rules = useLoad(() => api.get<{ items: EarnRule[] }>("/v1/earn-rules"), []);
  const [editing, setEditing] = useState<EarnRule>();
  const ruleForm = useApiForm<RuleForm>({
    send: (v) =>
      editing
        ? api.patch(`/v1/earn-rules/${editing.rule_id}`, ruleBody(v))
        : api.post("/v1/earn-rules", ruleBody(v)),
    fields: [...FIELDS, "channels", "min_paid_yuan"],
    aliases: ALIASES,
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: rules.reload }),
  });
  const kind = Form.useWatch("kind", ruleForm.form);
  const open = (rule?: EarnRule) => {
    setEditing(rule);
    ruleForm.show(rule ? toRuleForm(rule) : undefined);
  };
  const toggle = (rule: EarnRule) =>
    void api.patch(`/v1/earn-rules/${rule.rule_id}`, { active: !rule.active }).then(rules.reload);
  const number = (name: keyof RuleForm, label: string, props: { min?: number; precision?: number }) => (
    <Col span={8}>
      <Form.Item name={name} label={label} rules={[{ required: true }]}>
        <InputNumber {...props} style={{ width: "100%" }} />
      </Form.Item>
    </Col>
  );
  return (
    <SimpleList<EarnRule>
      title={t("nav.earnRules")}
      rowKey="rule_id"
      loaded={rules}
      actions={
        <Button type="primary" onClick={() => open()}>
          {t("rule.new")}
        </Button>
      }
      columns={[
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tier.kind"), render: (_, r) => <Tag>{r.definition.kind}</Tag> },
        {
          title: t("rule.definition"),
          render: (_, r) => <Typography.Text code>{JSON.stringify(r.definition)}</Typography.Text>,
        },
        {
          title: t("coupon.status"),
          render: (_, r) => (
            <Switch
              size="small"
              checked={r.active}
              aria-label={t("rule.active", { name: r.name })}
              onChange={() => toggle(r)}
            />
          ),
        },
        {
          title: t("rule.window"),
          render: (_, r) => `${dateTime(r.starts_at, lang)} – ${dateTime(r.ends_at, lang)}`,
        },
        {
          title: "",
          render: (_, r) =>
            toRuleForm(r) && (
              <Button size="small" onClick={() => open(r)}>
                {t("cfg.edit")}
              </Button>
            ),
        },
      ]}
    >
      <FormDrawer<RuleForm>
        state={ruleForm}
        title={editing ? t("rule.edit", { name: editing.name }) : t("rule.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        initialValues={{ kind: "multiplier", unit_yuan: 1, points_per_unit: 1, growth_per_unit: 1 }}
      >
        <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t("tier.kind")} extra={kind ? t(`rule.help.${kind}`) : undefined}>
          <Select
            disabled={!!editing}
            options={(["base", "multiplier", "bonus"] as const).map((k) => ({
              value: k,
              label: t(`rule.kind.${k}`),
            }))}
          />
        </Form.Item>
        <Row gutter={12}>
          {kind === "base" && (
            <>
              {number("points_per_unit", t("rule.pointsPerUnit"), { min: 0 })}
              {number("growth_per_unit", t("rule.growthPerUnit"), { min: 0 })}
              {number("unit_yuan", t("rule.unitYuan"), { min: 0.01, precision: 2 })}
            </>
          )}
          {kind === "multiplier" && number("factor", t("rule.factor"), { min: 1 })}
          {kind === "bonus" && (
            <>
              {number("points", t("rule.points"), { min: 0, precision: 0 })}
              <Col span={8}>
                <Form.Item name="growth" label={t("rule.growth")}>
                  <InputNumber min={0} precision={0} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="first_purchase_only" label={t("rule.firstOnly")} valuePropName="checked">
                  <Switch />
                </Form.Item>
              </Col>
            </>
          )}
        </Row>
        <Form.Item name="channels" label={t("rule.channels")} extra={t("rule.channelsHelp")}>
          <Select mode="tags" options={CHANNELS.map((c) => ({ value: c, label: c }))} />
        </Form.Item>
        <Form.Item name="min_paid_yuan" label={t("rule.minPaid")}>
          <InputNumber min={0} precision={2} style={{ width: "100%" }} />
        </Form.Item>
      </FormDrawer>
    </SimpleList>
  );
}
