// Staff and the org units they belong to (their scope): add staff, change role or unit, disable and enable; the
// list narrows to one unit and below (`?unit=`, as the Organisation page links to it) and by name or email.
import { App, Button, Form, Input, Popconfirm, Select, Space, Tag } from "antd";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { errorText } from "../../shared/api.ts";
import { dateTime } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { isBelow, type OrgUnit, placeOf } from "./org-tree.ts";
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
interface StaffForm {
  email: string;
  name: string;
  role: string;
  org_unit_id: string;
  password?: string;
}

const ROLES = ["owner", "hq_operator", "region_manager", "store_manager", "guide"] as const;

export default function Staff() {
  const { t, lang } = useI18n();
  const { api, session } = useConsole();
  const { message } = App.useApp();
  const staff = useLoad(() => api.get<{ items: StaffMember[] }>("/v1/staff"), []);
  const units = useLoad(() => api.get<{ items: OrgUnit[] }>("/v1/org-units"), []);
  const [editing, setEditing] = useState<StaffMember>();
  const [query, setQuery] = useState("");
  const [params, setParams] = useSearchParams();
  const allUnits = units.data?.items ?? [];
  const unit = allUnits.find((u) => u.org_unit_id === params.get("unit"));
  const inUnit = (m: StaffMember) => {
    const home = allUnits.find((u) => u.org_unit_id === m.org_unit_id);
    return !unit || (home !== undefined && isBelow(home, unit));
  };
  // Newest first (the one just added is on the first page), narrowed by name or email as the operator types.
  const needle = query.trim().toLowerCase();
  const shown = {
    ...staff,
    data: staff.data && {
      items: staff.data.items
        .filter((m) => inUnit(m) && (!needle || `${m.name} ${m.email}`.toLowerCase().includes(needle)))
        .sort((a, b) => b.created_at.localeCompare(a.created_at)),
    },
  };
  const staffForm = useApiForm<StaffForm>({
    send: (v) =>
      editing
        ? api.patch(`/v1/staff/${editing.staff_id}`, {
            name: v.name,
            role: v.role,
            org_unit_id: v.org_unit_id,
          })
        : api.post("/v1/staff", v),
    fields: ["email", "name", "role", "org_unit_id", "password"],
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: staff.reload }),
  });
  const unitName = (id: string) => units.data?.items.find((u) => u.org_unit_id === id)?.name ?? id;
  const open = (member?: StaffMember) => {
    setEditing(member);
    staffForm.show(member);
  };
  const setStatus = (member: StaffMember, status: "active" | "disabled") =>
    // A refusal (the last owner, a stale session) is shown, not swallowed.
    void api
      .patch(`/v1/staff/${member.staff_id}`, { status })
      .then(staff.reload, (failure: unknown) => void message.error(errorText(failure)));
  return (
    <SimpleList<StaffMember>
      title={t("nav.staff")}
      rowKey="staff_id"
      loaded={shown}
      actions={
        <>
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            aria-label={t("staff.unitFilter")}
            placeholder={t("staff.unitFilter")}
            value={unit?.org_unit_id}
            onChange={(id?: string) => setParams(id ? { unit: id } : {})}
            options={allUnits.map((u) => ({ value: u.org_unit_id, label: placeOf(u, allUnits) }))}
            style={{ width: 260 }}
          />
          <Input.Search
            allowClear
            placeholder={t("staff.search")}
            onChange={(e) => setQuery(e.target.value)}
            style={{ width: 240 }}
          />
          <Button type="primary" onClick={() => open()}>
            {t("staff.new")}
          </Button>
        </>
      }
      columns={[
        { title: t("member.name"), dataIndex: "name" },
        { title: t("auth.email"), dataIndex: "email" },
        { title: t("staff.role"), dataIndex: "role", render: (r: string) => <Tag>{r}</Tag> },
        { title: t("staff.unit"), dataIndex: "org_unit_id", render: (id: string) => unitName(id) },
        {
          title: t("member.status"),
          dataIndex: "status",
          render: (s: string) => <Tag color={s === "active" ? "green" : undefined}>{s}</Tag>,
        },
        { title: t("common.created"), dataIndex: "created_at", render: (v: string) => dateTime(v, lang) },
        {
          title: "",
          render: (_, member) => (
            <Space>
              <Button size="small" onClick={() => open(member)}>
                {t("cfg.edit")}
              </Button>
              {member.status === "active" ? (
                member.staff_id !== session.subject && (
                  <Popconfirm
                    title={t("staff.disableConfirm", { name: member.name })}
                    onConfirm={() => setStatus(member, "disabled")}
                  >
                    <Button size="small" danger>
                      {t("staff.disable")}
                    </Button>
                  </Popconfirm>
                )
              ) : (
                <Button size="small" onClick={() => setStatus(member, "active")}>
                  {t("staff.enable")}
                </Button>
              )}
            </Space>
          ),
        },
      ]}
    >
      <FormDrawer<StaffForm>
        state={staffForm}
        title={editing ? t("staff.edit", { name: editing.name }) : t("staff.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        initialValues={{ role: "guide" }}
      >
        <Form.Item name="email" label={t("auth.email")} rules={[{ required: true }, { type: "email" }]}>
          <Input disabled={!!editing} />
        </Form.Item>
        <Form.Item name="name" label={t("member.name")} rules={[{ required: true }, { max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="role" label={t("staff.role")}>
          <Select options={ROLES.map((r) => ({ value: r, label: t(`staff.roles.${r}`) }))} />
        </Form.Item>
        <Form.Item name="org_unit_id" label={t("staff.unit")} rules={[{ required: true }]}>
          <Select
            showSearch
            optionFilterProp="label"
            options={(units.data?.items ?? []).map((u) => ({
              value: u.org_unit_id,
              label: `${u.name} (${u.kind})`,
            }))}
          />
        </Form.Item>
        {!editing && (
          <Form.Item
            name="password"
            label={t("auth.password")}
            rules={[{ required: true }, { min: 10, message: t("staff.passwordRule") }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
      </FormDrawer>
    </SimpleList>
  );
}
