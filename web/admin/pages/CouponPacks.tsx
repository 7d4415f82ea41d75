// Coupon packs: several templates issued together (a newcomer pack, an upgrade gift); list, create, switch off,
// rename (the API changes a pack's name only: its contents stay what members were promised).
import { Button, Col, Form, Input, InputNumber, Row, Select, Switch, Tag } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { CodeNameFields } from "./CodeNameFields.tsx";
import type { CouponTemplate } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { SimpleList } from "./SimpleList.tsx";

interface PackItem {
  template_id: string;
  quantity: number;
}
interface Pack {
  pack_id: string;
  code: string;
  name: string;
  items: PackItem[];
  active: boolean;
}
interface PackForm {
  code: string;
  name: string;
  items: PackItem[];
}

export default function CouponPacks() {
  const { t } = useI18n();
  const { api } = useConsole();
  const packs = useLoad(() => api.get<{ items: Pack[] }>("/v1/coupon-packs"), []);
  const templates = useLoad(() => api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"), []);
  const packForm = useApiForm<PackForm>({
    send: (v) => api.post("/v1/coupon-packs", v),
    fields: ["code", "name", "items"],
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: packs.reload }),
  });
  const [renaming, setRenaming] = useState<Pack>();
  const renameForm = useApiForm<{ name: string }>({
    send: (v) => api.patch(`/v1/coupon-packs/${renaming?.pack_id ?? ""}`, { name: v.name }),
    fields: ["name"],
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: packs.reload }),
  });
  const rename = (pack: Pack) => {
    setRenaming(pack);
    renameForm.show({ name: pack.name });
  };
  const templateName = (id: string) =>
    templates.data?.items.find((tpl) => tpl.template_id === id)?.name ?? id;
  const toggle = (pack: Pack) =>
    void api.patch(`/v1/coupon-packs/${pack.pack_id}`, { active: !pack.active }).then(packs.reload);
  return (
    <SimpleList<Pack>
      title={t("nav.packs")}
      rowKey="pack_id"
      loaded={packs}
      actions={
        <Button type="primary" onClick={() => packForm.show()}>
          {t("pack.new")}
        </Button>
      }
      columns={[
        { title: t("coupon.code"), dataIndex: "code" },
        { title: t("coupon.name"), dataIndex: "name" },
        {
          title: t("pack.items"),
          render: (_, pack) =>
            pack.items.map((item) => (
              <Tag key={item.template_id}>
                {templateName(item.template_id)} × {item.quantity}
              </Tag>
            )),
        },
        {
          title: t("coupon.status"),
          render: (_, pack) => (
            <Switch
              size="small"
              checked={pack.active}
              aria-label={t("rule.active", { name: pack.name })}
              onChange={() => toggle(pack)}
            />
          ),
        },
        {
          title: "",
          render: (_, pack) => (
            <Button size="small" onClick={() => rename(pack)}>
              {t("cfg.edit")}
            </Button>
          ),
        },
      ]}
    >
      <FormDrawer<{ name: string }>
        state={renameForm}
        title={t("pack.edit", { name: renaming?.name ?? "" })}
        submitLabel={t("common.save")}
      >
        <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 100 }]}>
          <Input />
        </Form.Item>
      </FormDrawer>
      <FormDrawer<PackForm>
        state={packForm}
        title={t("pack.new")}
        initialValues={{ items: [{ template_id: "", quantity: 1 }] }}
      >
        <CodeNameFields placeholder="NEWCOMER" />
        <Form.List name="items">
          {(rows, { add, remove }) => (
            <>
              {rows.map((row) => (
                <Row gutter={8} key={row.key}>
                  <Col span={15}>
                    <Form.Item
                      name={[row.name, "template_id"]}
                      label={t("pack.template")}
                      rules={[{ required: true }]}
                    >
                      <Select
                        options={(templates.data?.items ?? []).map((tpl) => ({
                          value: tpl.template_id,
                          label: tpl.name,
                        }))}
                      />
                    </Form.Item>
                  </Col>
                  <Col span={6}>
                    <Form.Item
                      name={[row.name, "quantity"]}
                      label={t("pack.quantity")}
                      rules={[{ required: true }]}
                    >
                      <InputNumber min={1} max={20} precision={0} style={{ width: "100%" }} />
                    </Form.Item>
                  </Col>
                  <Col span={3} style={{ paddingTop: 30 }}>
                    {rows.length > 1 && (
                      <Button size="small" onClick={() => remove(row.name)}>
                        ×
                      </Button>
                    )}
                  </Col>
                </Row>
              ))}
              <Button onClick={() => add({ quantity: 1 })}>{t("pack.addItem")}</Button>
            </>
          )}
        </Form.List>
      </FormDrawer>
    </SimpleList>
  );
}
