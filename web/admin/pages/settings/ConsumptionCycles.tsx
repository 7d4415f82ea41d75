// Products' consumption cycles: the API keeps them on product-lifecycle tags (`products: [{sku, cycle_days}]`,
// docs/audience.md), not in the audience settings, so this table lists those tags and edits their SKU rows.
// A "used up" tag needs every SKU's cycle; the API says which row lacks one.
import { Button, Card, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useI18n } from "../../../shared/i18n.tsx";
import { useLoad } from "../../../shared/useLoad.ts";
import { useConsole } from "../../session.tsx";
import { FormDrawer, useApiForm } from "../FormDrawer.tsx";
import { type ProductRow, ProductRows, productsBody } from "../ProductRows.tsx";

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
  products: ProductRow[];
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
        products: productsBody(v.products),
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
        <ProductRows />
      </FormDrawer>
    </Card>
  );
}

function stageKey(stage: string | undefined) {
  return stage === "first_purchase" || stage === "repurchase" || stage === "used_up"
    ? (`set.cycles.stage.${stage}` as const)
    : ("set.cycles.stage.used_up" as const);
}
