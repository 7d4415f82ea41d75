// One org unit: where it sits, its staff (this unit and below) and this month's guide results for it.
import { Alert, Button, Card, Descriptions, Space, Table, Tag, Typography } from "antd";
import { Link } from "react-router";
import { errorText } from "../../shared/api.ts";
import { money, num } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { CHILD_KINDS, isBelow, type OrgUnit, placeOf, type StaffMember } from "./org-tree.ts";

interface GuideResult {
  staff_id: string;
  name: string;
  org_unit_id: string;
  recruits: number;
  orders: number;
  sales_minor: number;
  rank_in_store: number;
}

export function OrgUnitPanel(props: {
  unit: OrgUnit;
  units: readonly OrgUnit[];
  staff: readonly StaffMember[];
  onAdd: () => void;
  onEdit: () => void;
}) {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const { unit, units } = props;
  const results = useLoad(
    () => api.get<{ items: GuideResult[] }>("/v1/guide-results", { org_unit_id: unit.org_unit_id }),
    [unit.org_unit_id],
  );
  const unitName = (id: string) => units.find((u) => u.org_unit_id === id)?.name ?? id;
  const staff = props.staff.filter((member) => {
    const home = units.find((u) => u.org_unit_id === member.org_unit_id);
    return home !== undefined && isBelow(home, unit);
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card
        size="small"
        title={unit.name}
        extra={
          <Space>
            {CHILD_KINDS[unit.kind].length > 0 && (
              <Button onClick={props.onAdd}>{t("org.newUnder", { name: unit.name })}</Button>
            )}
            <Button onClick={props.onEdit}>{t("cfg.edit")}</Button>
          </Space>
        }
      >
        <Descriptions size="small" column={3}>
          <Descriptions.Item label={t("org.path")} span={3}>
            <span data-testid="org-unit-place">{placeOf(unit, units)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t("org.kind")}>{t(`org.kinds.${unit.kind}`)}</Descriptions.Item>
          <Descriptions.Item label={t("org.code")}>{unit.code}</Descriptions.Item>
          <Descriptions.Item label={t("nav.staff")}>{num(staff.length, lang)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card
        size="small"
        title={<Typography.Text strong>{t("org.staffHere")}</Typography.Text>}
        extra={<Link to={`/staff?unit=${unit.org_unit_id}`}>{t("org.allStaff")}</Link>}
      >
        <Table<StaffMember>
          rowKey="staff_id"
          size="small"
          dataSource={staff}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          locale={{ emptyText: t("org.noStaff") }}
          columns={[
            { title: t("member.name"), dataIndex: "name" },
            { title: t("staff.role"), dataIndex: "role", render: (r: string) => <Tag>{r}</Tag> },
            { title: t("staff.unit"), dataIndex: "org_unit_id", render: (id: string) => unitName(id) },
            {
              title: t("member.status"),
              dataIndex: "status",
              render: (s: string) => <Tag color={s === "active" ? "green" : undefined}>{s}</Tag>,
            },
          ]}
        />
      </Card>
      <Card size="small" title={<Typography.Text strong>{t("org.results")}</Typography.Text>}>
        {results.error !== undefined && <Alert type="error" title={errorText(results.error)} />}
        <Table<GuideResult>
          rowKey="staff_id"
          size="small"
          loading={results.loading}
          dataSource={results.data?.items ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { title: t("member.name"), dataIndex: "name" },
            { title: t("staff.unit"), dataIndex: "org_unit_id", render: (id: string) => unitName(id) },
            { title: t("org.recruits"), dataIndex: "recruits", render: (n: number) => num(n, lang) },
            { title: t("org.orders"), dataIndex: "orders", render: (n: number) => num(n, lang) },
            { title: t("org.sales"), dataIndex: "sales_minor", render: (m: number) => money(m, lang) },
            { title: t("org.rankInStore"), dataIndex: "rank_in_store", render: (r: number) => `#${r}` },
          ]}
        />
      </Card>
    </Space>
  );
}
