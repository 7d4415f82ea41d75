// Staff and the org units they belong to (their scope).
import { Tag } from "antd";
import { dateTime } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { SimpleList } from "./SimpleList.tsx";

interface StaffMember {
  staff_id: string;
  email: string;
  name: string;
  role: string;
  org_unit_id: string;
  status: string;
  created_at: string;
}
interface OrgUnit {
  org_unit_id: string;
  name: string;
  kind: string;
}

export default function Staff() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const staff = useLoad(() => api.get<{ items: StaffMember[] }>("/v1/staff"), []);
  const units = useLoad(() => api.get<{ items: OrgUnit[] }>("/v1/org-units"), []);
  const unitName = (id: string) => units.data?.items.find((u) => u.org_unit_id === id)?.name ?? id;
  return (
    <SimpleList<StaffMember>
      title={t("nav.staff")}
      rowKey="staff_id"
      loaded={staff}
      columns={[
        { title: t("member.name"), dataIndex: "name" },
        { title: t("auth.email"), dataIndex: "email" },
        { title: t("staff.role"), dataIndex: "role", render: (r: string) => <Tag>{r}</Tag> },
        { title: t("staff.unit"), dataIndex: "org_unit_id", render: (id: string) => unitName(id) },
        { title: t("member.status"), dataIndex: "status" },
        { title: t("common.created"), dataIndex: "created_at", render: (v: string) => dateTime(v, lang) },
      ]}
    />
  );
}
