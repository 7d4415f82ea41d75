// A product-lifecycle tag's SKUs, each with how many days one unit lasts (the "used up" stage needs it): rows
// of the form's `products` list, shared by the tag form and the consumption cycles on Settings.
import { Button, Col, Form, Input, InputNumber, Row } from "antd";
import { useI18n } from "../../shared/i18n.tsx";

export interface ProductRow {
  sku: string;
  cycle_days?: number | null;
}

/** The rows as the API takes them: trimmed SKUs, a cycle only where one is given. */
export function productsBody(rows: readonly ProductRow[] | undefined) {
  return (rows ?? []).map((p) => ({
    sku: p.sku.trim(),
    ...(p.cycle_days ? { cycle_days: p.cycle_days } : {}),
  }));
}

export function ProductRows() {
  const { t } = useI18n();
  return (
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
  );
}
