// Products' consumption cycles: the API keeps them on product-lifecycle tags (`products: [{sku, cycle_days}]`,
// docs/audience.md), not in the audience settings, so this table lists those tags and edits their SKU rows.
// A "used up" tag needs every SKU's cycle; the API says which row lacks one.
import { Button, Card, Col, Form, Input, InputNumber, Row, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useI18n } from "../../../shared/i18n.tsx";
import { useLoad } from "../../../shared/useLoad.ts";
import { useConsole } from "../../session.tsx";
import { FormDrawer, useApiForm } from "../FormDrawer.tsx";

interface Product {
  sku: string;
  cycle_days?: number;
}
interface ProductTag {
  tag_id: string;
  name: string;
  definition: { stage?: string; products?: Product[] };
  members: number;
}
interface CyclesForm {
  products: { sku: string; cycle_days?: number | null }[];
}

export function ConsumptionCycles() {
  const { t } = useI18n();
  const { api } = useConsole();
  const tags = useLoad(
    () => api.get<{ items: ProductTag[] }>("/v1/audience/tags", { kind: "product_lifecycle" }),
    [],
  );
  const [editing, setEditing] = useState<ProductTag>();
  const cycles = useApiForm<CyclesForm>({
    send: (v) =>
      api.patch(`/v1/audience/tags/${editing?.tag_id ?? ""}`, {
        products: v.products.map((p) => ({
          sku: p.sku.trim(),
          ...(p.cycle_days ? { cycle_days: p.cycle_days } : {}),
        })),
      }),
    fields: ["products"],
    done: () => ({ toast: t("cfg.saved", { name: editing?.name ?? "" }), reload: tags.reload }),
  });
  const open = (tag: ProductTag) => {
    setEditing(tag);
    cycles.show({ products: (tag.definition.products ?? []).map((p) => ({ ...p })) });
  };
  return (
    <Card
      size="small"
      data-testid="settings-cycles"
      title={<Typography.Text strong>{t("set.cycles.title")}</Typography.Text>}
    >
      <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
        {t("set.cycles.intro")}
      </Typography.Paragraph>
      <Table<ProductTag>
        rowKey="tag_id"
        size="small"
        loading={tags.loading}
        dataSource={tags.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t("set.cycles.none") }}
        columns={[
          { title: t("set.cycles.tag"), dataIndex: "name" },
          {
            title: t("set.cycles.stage"),
            render: (_, tag) => <Tag>{t(stageKey(tag.definition.stage))}</Tag>,
          },
          {
            title: t("set.cycles.products"),
            render: (_, tag) =>
              (tag.definition.products ?? [])
                .map((p) =>
                  p.cycle_days ? t("set.cycles.every", { sku: p.sku, days: p.cycle_days }) : p.sku,
                )
                .join(" · "),
          },
          { title: t("set.cycles.members"), dataIndex: "members" },
          {
            title: "",
            render: (_, tag) => (
              <Button size="small" onClick={() => open(tag)}>
                {t("cfg.edit")}
              </Button>
            ),
          },
        ]}
      />
      <FormDrawer<CyclesForm>
        state={cycles}
        title={t("set.cycles.edit", { name: editing?.name ?? "" })}
        submitLabel={t("common.save")}
      >
        <Typography.Paragraph type="secondary">{t(stageKey(editing?.definition.stage))}</Typography.Paragraph>
        <Form.List
          name="products"
          rules={[
            {
              validator: async (_, rows?: unknown[]) => {
                if (!rows?.length) throw new Error(t("set.cycles.atLeastOne"));
              },
            },
          ]}
        >
          {(rows, { add, remove }, { errors }) => (
            <>
              {rows.map((row) => (
                <Row gutter={8} key={row.key}>
                  <Col span={12}>
                    <Form.Item
                      name={[row.name, "sku"]}
                      label={t("set.cycles.sku")}
                      rules={[{ required: true, whitespace: true }, { max: 100 }]}
                    >
                      <Input />
                    </Form.Item>
                  </Col>
                  <Col span={8}>
                    <Form.Item
                      name={[row.name, "cycle_days"]}
                      label={t("set.cycles.days")}
                      rules={[
                        {
                          type: "number",
                          min: 1,
                          max: 3650,
                          message: t("set.between", { min: 1, max: 3650 }),
                        },
                      ]}
                    >
                      <InputNumber precision={0} style={{ width: "100%" }} suffix={t("set.days")} />
                    </Form.Item>
                  </Col>
                  <Col span={4} style={{ paddingTop: 30 }}>
                    <Button size="small" onClick={() => remove(row.name)}>
                      {t("common.remove")}
                    </Button>
                  </Col>
                </Row>
              ))}
              <Form.ErrorList errors={errors} />
              <Button onClick={() => add({ sku: "" })}>{t("set.cycles.add")}</Button>
            </>
          )}
        </Form.List>
      </FormDrawer>
    </Card>
  );
}

function stageKey(stage: string | undefined) {
  return stage === "first_purchase" || stage === "repurchase" || stage === "used_up"
    ? (`set.cycles.stage.${stage}` as const)
    : ("set.cycles.stage.used_up" as const);
}
