// Channel QR codes for stores, guides and campaigns: what each encodes, and its scans, joins and first orders.
import { Alert, App, Button, Drawer, Form, Input, Popover, Select, Tag } from "antd";
import { useState } from "react";
import { QrCode } from "../../shared/Codes.tsx";
import { useI18n } from "../../shared/i18n.tsx";
import type { CouponTemplate } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { SimpleList } from "./SimpleList.tsx";
import { showProblem } from "./form-problems.ts";

interface ChannelCode {
  code_id: string;
  scene_key: string;
  name: string;
  kind: "store" | "guide" | "campaign";
  store_id: string | null;
  guide_id: string | null;
  welcome_coupon: string | null;
  active: boolean;
  join_url: string;
  stats: { scans: number; joins: number; first_orders: number };
}
interface CodeForm {
  name: string;
  kind: ChannelCode["kind"];
  scene_key?: string;
  store_id?: string;
  campaign?: string;
  welcome_coupon?: string;
}
interface OrgUnit {
  org_unit_id: string;
  name: string;
  kind: string;
}

/** The member center is served by this process: show the join link on this host whatever PUBLIC_URL says. */
function localJoinLink(joinUrl: string): string {
  const url = new URL(joinUrl, location.origin);
  return `${location.origin}/m/join${url.search}`;
}

export default function ChannelCodes() {
  const { t } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const codes = useLoad(() => api.get<{ items: ChannelCode[] }>("/v1/channel-codes", { limit: 200 }), []);
  const units = useLoad(() => api.get<{ items: OrgUnit[] }>("/v1/org-units"), []);
  const templates = useLoad(() => api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"), []);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [form] = Form.useForm<CodeForm>();
  const kind = Form.useWatch("kind", form);
  const create = async (values: CodeForm) => {
    setProblem(undefined);
    const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== ""));
    try {
      await api.post("/v1/channel-codes", body);
      void message.success(t("codes.created", { name: values.name }));
      setOpen(false);
      form.resetFields();
      codes.reload();
    } catch (failure) {
      setProblem(
        showProblem(form, failure, ["name", "kind", "scene_key", "store_id", "campaign", "welcome_coupon"]),
      );
    }
  };
  const unitName = (id: string | null) =>
    id ? (units.data?.items.find((u) => u.org_unit_id === id)?.name ?? id) : "—";
  return (
    <SimpleList<ChannelCode>
      title={t("nav.codes")}
      rowKey="code_id"
      loaded={codes}
      actions={
        <Button type="primary" onClick={() => setOpen(true)}>
          {t("codes.new")}
        </Button>
      }
      columns={[
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tier.kind"), dataIndex: "kind", render: (k: string) => <Tag>{k}</Tag> },
        { title: t("codes.scene"), dataIndex: "scene_key" },
        { title: t("codes.store"), dataIndex: "store_id", render: (id: string | null) => unitName(id) },
        { title: t("codes.scans"), render: (_, c) => c.stats.scans },
        { title: t("dash.joins"), render: (_, c) => c.stats.joins },
        { title: t("codes.firstOrders"), render: (_, c) => c.stats.first_orders },
        {
          title: "QR",
          render: (_, c) => (
            <Popover
              content={
                <div style={{ textAlign: "center" }}>
                  <QrCode value={localJoinLink(c.join_url)} size={200} />
                  <div>
                    <a href={localJoinLink(c.join_url)} target="_blank" rel="noreferrer">
                      {t("codes.openLink")}
                    </a>
                  </div>
                </div>
              }
            >
              <Button size="small">{t("codes.show")}</Button>
            </Popover>
          ),
        },
      ]}
    >
      <Drawer
        open={open}
        title={t("codes.new")}
        onClose={() => setOpen(false)}
        extra={
          <Button type="primary" onClick={() => form.submit()}>
            {t("common.create")}
          </Button>
        }
      >
        {problem && <Alert type="error" title={problem} style={{ marginBottom: 12 }} />}
        <Form<CodeForm>
          form={form}
          layout="vertical"
          initialValues={{ kind: "store" }}
          onFinish={(v) => void create(v)}
        >
          <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="kind" label={t("tier.kind")}>
            <Select
              options={[
                { value: "store", label: t("codes.kind.store") },
                { value: "campaign", label: t("codes.kind.campaign") },
              ]}
            />
          </Form.Item>
          {kind === "store" && (
            <Form.Item name="store_id" label={t("codes.store")} rules={[{ required: true }]}>
              <Select
                showSearch
                optionFilterProp="label"
                options={(units.data?.items ?? [])
                  .filter((u) => u.kind === "store")
                  .map((u) => ({ value: u.org_unit_id, label: u.name }))}
              />
            </Form.Item>
          )}
          {kind === "campaign" && (
            <Form.Item name="campaign" label={t("codes.campaign")} rules={[{ required: true }]}>
              <Input />
            </Form.Item>
          )}
          <Form.Item name="scene_key" label={t("codes.scene")} extra={t("codes.sceneHelp")}>
            <Input />
          </Form.Item>
          <Form.Item name="welcome_coupon" label={t("codes.welcome")}>
            <Select
              allowClear
              options={(templates.data?.items ?? []).map((tpl) => ({ value: tpl.code, label: tpl.name }))}
            />
          </Form.Item>
        </Form>
      </Drawer>
    </SimpleList>
  );
}
