// The mall's redemptions, newest first, to fulfil: filter by status, ship physical goods with a tracking number
// (and carrier), mark them delivered, or cancel before shipping (the API gives back the points and the stock).
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  Popconfirm,
  Radio,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { errorText, type Page } from "../../shared/api.ts";
import { dateTime, money, num } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { useCursorPages } from "../../shared/cursor-pages.ts";
import { CursorPager } from "./CursorPager.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";

const STATUSES = ["pending_fulfilment", "shipped", "delivered", "fulfilled", "cancelled"] as const;
type Status = (typeof STATUSES)[number];
const STATUS_COLOR: Record<Status, string | undefined> = {
  pending_fulfilment: "orange",
  shipped: "blue",
  delivered: "green",
  fulfilled: "green",
  cancelled: undefined,
};
const PAGE_SIZE = 20;

interface Redemption {
  redemption_id: string;
  reward_name: string;
  kind: "coupon" | "physical" | "voucher";
  member_id: string;
  member_name: string | null;
  member_card_no: string | null;
  points_spent: number;
  cash_minor: number;
  status: Status;
  shipping_address: {
    name: string;
    phone: string;
    region?: string;
    address_line: string;
    postal_code?: string;
  } | null;
  tracking_no: string | null;
  carrier: string | null;
  created_at: string;
}
interface ShipForm {
  tracking_no: string;
  carrier?: string;
}
interface CancelForm {
  reason?: string;
}

export function MallRedemptions() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const raw = params.get("status");
  const status = STATUSES.find((s) => s === raw);
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const list = useLoad(
    () => api.get<Page<Redemption>>("/v1/mall/redemptions", { status, cursor, limit: PAGE_SIZE }),
    [status, cursor],
  );
  const [target, setTarget] = useState<Redemption>();
  const move = (r: Redemption | undefined, body: Record<string, unknown>) =>
    api.patch(`/v1/mall/redemptions/${r?.redemption_id ?? ""}`, body);
  const ship = useApiForm<ShipForm>({
    send: (v) =>
      move(target, {
        status: "shipped",
        tracking_no: v.tracking_no.trim(),
        ...(v.carrier?.trim() ? { carrier: v.carrier.trim() } : {}),
      }),
    fields: ["tracking_no", "carrier"],
    done: () => ({ toast: t("rdm.shipped"), reload: list.reload }),
  });
  const cancel = useApiForm<CancelForm>({
    send: (v) =>
      move(target, { status: "cancelled", ...(v.reason?.trim() ? { reason: v.reason.trim() } : {}) }),
    fields: ["reason"],
    done: () => ({ toast: t("rdm.updated"), reload: list.reload }),
  });
  const open = (r: Redemption, show: () => void) => {
    setTarget(r);
    show();
  };
  const deliver = (r: Redemption) =>
    void move(r, { status: "delivered" }).then(
      () => {
        void message.success(t("rdm.updated"));
        list.reload();
      },
      (failure: unknown) => void message.error(errorText(failure)),
    );
  const filter = (next: Status | undefined) => {
    pages.reset();
    setParams({ tab: "redemptions", ...(next ? { status: next } : {}) }, { replace: true });
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <div style={{ display: "flex", justifyContent: "space-between" }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("rdm.title")}
        </Typography.Title>
        <Radio.Group
          optionType="button"
          size="small"
          value={status ?? ""}
          onChange={(e) => filter(STATUSES.find((s) => s === e.target.value))}
          options={[
            { value: "", label: t("rdm.allStatuses") },
            ...STATUSES.map((s) => ({ value: s, label: t(`rdm.statuses.${s}`) })),
          ]}
        />
      </div>
      {list.error !== undefined && <Alert type="error" title={errorText(list.error)} />}
      <Card size="small">
        <Table<Redemption>
          rowKey="redemption_id"
          loading={list.loading}
          dataSource={list.data?.items ?? []}
          pagination={false}
          columns={[
            {
              title: t("rdm.member"),
              dataIndex: "member_id",
              // The list names each member (and card), so the page makes no look-up per row.
              render: (id: string, r) => (
                <Space orientation="vertical" size={0}>
                  <Link to={`/members/${id}`}>{r.member_name ?? r.member_card_no ?? id}</Link>
                  {r.member_name && r.member_card_no && (
                    <Typography.Text type="secondary">{r.member_card_no}</Typography.Text>
                  )}
                </Space>
              ),
            },
            {
              title: t("rdm.reward"),
              dataIndex: "reward_name",
              render: (name: string, r) => (
                <Space size={4}>
                  {name}
                  <Tag>{t(`mall.kind.${r.kind}`)}</Tag>
                </Space>
              ),
            },
            {
              title: t("rdm.points"),
              dataIndex: "points_spent",
              render: (p: number, r) =>
                r.cash_minor > 0 ? `${num(p, lang)} + ${money(r.cash_minor, lang)}` : num(p, lang),
            },
            {
              title: t("rdm.status"),
              dataIndex: "status",
              render: (s: Status) => <Tag color={STATUS_COLOR[s]}>{t(`rdm.statuses.${s}`)}</Tag>,
            },
            {
              title: t("rdm.address"),
              dataIndex: "shipping_address",
              render: (a: Redemption["shipping_address"]) =>
                a
                  ? [a.name, a.phone, a.region, a.address_line, a.postal_code].filter(Boolean).join(" · ")
                  : "—",
            },
            {
              title: t("rdm.tracking"),
              dataIndex: "tracking_no",
              render: (n: string | null, r) => (n ? [r.carrier, n].filter(Boolean).join(" · ") : "—"),
            },
            { title: t("rdm.time"), dataIndex: "created_at", render: (v: string) => dateTime(v, lang) },
            {
              title: "",
              render: (_, r) => (
                <Space>
                  {r.status === "pending_fulfilment" && (
                    <>
                      <Button size="small" type="primary" onClick={() => open(r, ship.show)}>
                        {t("rdm.ship")}
                      </Button>
                      <Button size="small" danger onClick={() => open(r, cancel.show)}>
                        {t("rdm.cancel")}
                      </Button>
                    </>
                  )}
                  {r.status === "shipped" && (
                    <Popconfirm title={t("rdm.deliver")} onConfirm={() => deliver(r)}>
                      <Button size="small">{t("rdm.deliver")}</Button>
                    </Popconfirm>
                  )}
                </Space>
              ),
            },
          ]}
        />
        <CursorPager pages={pages} next={list.data?.next_cursor} style={{ marginTop: 12 }} />
      </Card>
      <FormDrawer<ShipForm>
        state={ship}
        title={t("rdm.shipTitle", { name: target?.reward_name ?? "" })}
        submitLabel={t("rdm.ship")}
      >
        <Form.Item
          name="tracking_no"
          label={t("rdm.tracking")}
          rules={[{ required: true, whitespace: true }, { max: 100 }]}
        >
          <Input placeholder="SF1234567890" />
        </Form.Item>
        <Form.Item name="carrier" label={t("rdm.carrier")} rules={[{ max: 50 }]}>
          <Input placeholder="SF Express" />
        </Form.Item>
      </FormDrawer>
      <FormDrawer<CancelForm>
        state={cancel}
        title={t("rdm.cancelTitle", { name: target?.reward_name ?? "" })}
        submitLabel={t("rdm.cancel")}
      >
        <Typography.Paragraph type="secondary">{t("rdm.cancelHelp")}</Typography.Paragraph>
        <Form.Item name="reason" label={t("rdm.reason")} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>
      </FormDrawer>
    </Space>
  );
}
