// Find members: by name, phone or card number, or by a condition (the same language segments use).
import { Alert, Button, Card, Input, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { fieldErrors, type Page, errorText } from "../../shared/api.ts";
import { dateTime, money } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { MessageKey } from "../../shared/messages.ts";
import type { Member } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { useCursorPages } from "../../shared/cursor-pages.ts";
import { CursorPager } from "./CursorPager.tsx";
import { type BuilderState, ConditionBuilder, EMPTY_BUILDER } from "./ConditionBuilder.tsx";
import { conditionOf } from "./conditions.ts";

const PAGE_SIZE = 20;

export default function Members() {
  const { t } = useI18n();
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t("nav.members")}
      </Typography.Title>
      <Tabs
        items={[
          { key: "search", label: t("members.search"), children: <SearchMembers /> },
          { key: "filter", label: t("members.filter"), children: <FilterMembers /> },
        ]}
      />
    </Space>
  );
}

function SearchMembers() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const [q, setQ] = useState("");
  const [status, setStatus] = useState<string>();
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const list = useLoad(
    () => api.get<Page<Member>>("/v1/members", { q, status, cursor, limit: PAGE_SIZE }),
    [q, status, cursor],
  );
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Space wrap>
        <Input.Search
          allowClear
          placeholder={t("members.searchPlaceholder")}
          style={{ width: 320 }}
          onSearch={(value) => {
            setQ(value.trim());
            pages.reset();
          }}
          enterButton={t("common.search")}
        />
        <Select
          allowClear
          placeholder={t("members.status")}
          style={{ width: 160 }}
          value={status}
          onChange={(value?: string) => {
            setStatus(value);
            pages.reset();
          }}
          options={["active", "prospect", "merged", "erased"].map((s) => ({ value: s, label: s }))}
        />
      </Space>
      {list.error !== undefined && <Alert type="error" title={errorText(list.error)} />}
      <Table<Member>
        rowKey="member_id"
        size="middle"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        columns={[
          {
            title: t("member.name"),
            dataIndex: "name",
            render: (name: string | null, m) => (
              <Link to={`/members/${m.member_id}`}>{name ?? m.card_no}</Link>
            ),
          },
          { title: t("member.cardNo"), dataIndex: "card_no" },
          { title: t("member.phone"), dataIndex: "phone" },
          { title: t("member.channel"), dataIndex: "join_channel" },
          { title: t("member.status"), dataIndex: "status", render: (s: string) => <Tag>{s}</Tag> },
          { title: t("member.joinedAt"), dataIndex: "joined_at", render: (v: string) => dateTime(v, lang) },
        ]}
      />
      <CursorPager pages={pages} next={list.data?.next_cursor} />
    </Space>
  );
}

interface Preview {
  count: number;
  members: {
    member_id: string;
    stage: string | null;
    rfm_group: string | null;
    orders_count: number | null;
    spend_minor: number | null;
    last_order_at: string | null;
  }[];
}

export function FilterMembers() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const [builder, setBuilder] = useState<BuilderState>(EMPTY_BUILDER);
  const [preview, setPreview] = useState<Preview>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [segmentName, setSegmentName] = useState("");
  const [saved, setSaved] = useState<string>();
  const condition = conditionOf(builder.rows, builder.join);
  const run = async () => {
    setBusy(true);
    setErrors({});
    setProblem(undefined);
    try {
      setPreview(await api.post<Preview>("/v1/audience/segments/preview", { condition, limit: 50 }));
    } catch (failure) {
      setErrors(fieldErrors(failure));
      setProblem(errorText(failure));
      setPreview(undefined);
    } finally {
      setBusy(false);
    }
  };
  const save = async () => {
    try {
      await api.post("/v1/audience/segments", { name: segmentName, condition });
      setSaved(t("segments.saved", { name: segmentName }));
    } catch (failure) {
      setErrors(fieldErrors(failure));
      setProblem(errorText(failure));
    }
  };
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Card size="small">
        <ConditionBuilder value={builder} onChange={setBuilder} errors={errors} />
        <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
          <code>{JSON.stringify(condition)}</code>
        </Typography.Paragraph>
        <Space wrap>
          <Button type="primary" loading={busy} onClick={() => void run()}>
            {t("members.runFilter")}
          </Button>
          <Input
            placeholder={t("segments.name")}
            value={segmentName}
            style={{ width: 220 }}
            onChange={(e) => setSegmentName(e.target.value)}
          />
          <Button disabled={!segmentName.trim()} onClick={() => void save()}>
            {t("segments.saveAs")}
          </Button>
        </Space>
      </Card>
      {problem && <Alert type="error" title={problem} />}
      {saved && <Alert type="success" title={saved} />}
      {preview && (
        <>
          <Typography.Text strong data-testid="filter-count">
            {t("members.matching", { count: preview.count })}
          </Typography.Text>
          <div data-testid="filter-results">
            <Table
              rowKey="member_id"
              size="small"
              dataSource={preview.members}
              pagination={false}
              columns={[
                {
                  title: t("member.id"),
                  dataIndex: "member_id",
                  render: (id: string) => <Link to={`/members/${id}`}>{id}</Link>,
                },
                {
                  title: t("member.stage"),
                  dataIndex: "stage",
                  render: (s: string | null) => (s ? t(`stage.${s}` as MessageKey) : "—"),
                },
                {
                  title: "RFM",
                  dataIndex: "rfm_group",
                  render: (g: string | null) => (g ? t(`rfm.${g}` as MessageKey) : "—"),
                },
                { title: t("dash.orders"), dataIndex: "orders_count" },
                {
                  title: t("member.spend"),
                  dataIndex: "spend_minor",
                  render: (v: number | null) => money(v, lang),
                },
                {
                  title: t("member.lastOrder"),
                  dataIndex: "last_order_at",
                  render: (v: string | null) => dateTime(v, lang),
                },
              ]}
            />
          </div>
        </>
      )}
    </Space>
  );
}
