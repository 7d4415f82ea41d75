// The organisation: HQ → regions (→ branches) → stores as a tree with each unit's kind, code and staff; add a unit
// under the selected one, or rename / recode it (kind and parent stay: moving a unit would move every member's and
// staff member's scope, which the API does not offer). The API's problems appear under the field they name.
import {
  Alert,
  Button,
  Card,
  Col,
  Empty,
  Form,
  Input,
  Row,
  Select,
  Space,
  Tag,
  Tree,
  Typography,
} from "antd";
import type { DataNode } from "antd/es/tree";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { errorText } from "../../shared/api.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { OrgUnitPanel } from "./OrgUnitPanel.tsx";
import {
  buildTree,
  CHILD_KINDS,
  type OrgUnit,
  type OrgUnitKind,
  type StaffMember,
  staffBelow,
  type UnitNode,
} from "./org-tree.ts";

interface UnitForm {
  parent_id: string;
  kind: Exclude<OrgUnitKind, "hq">;
  code: string;
  name: string;
}

export default function OrgUnits() {
  const { t } = useI18n();
  const { api } = useConsole();
  const units = useLoad(() => api.get<{ items: OrgUnit[] }>("/v1/org-units"), []);
  const staff = useLoad(() => api.get<{ items: StaffMember[] }>("/v1/staff"), []);
  // The selected unit is in the address, so a reload (or a shared link) opens the same unit.
  // Held in state too: the router applies an address change as a transition, and an "Add" clicked right after
  // selecting must already see the unit it is added under.
  const [params, setParams] = useSearchParams();
  const [selectedId, setSelectedId] = useState(() => params.get("unit"));
  const select = (id: string) => {
    setSelectedId(id);
    setParams({ unit: id }, { replace: true });
  };
  const [editing, setEditing] = useState<OrgUnit>();
  // Units start expanded, a new one included: the tree remembers what the operator folded, not what is open.
  const [folded, setFolded] = useState<ReadonlySet<string>>(new Set());
  const all = units.data?.items ?? [];
  const selected = all.find((u) => u.org_unit_id === selectedId);

  const unitForm = useApiForm<UnitForm>({
    send: async (v) => {
      if (editing) return api.patch(`/v1/org-units/${editing.org_unit_id}`, { code: v.code, name: v.name });
      const created = await api.post<OrgUnit>("/v1/org-units", v);
      select(created.org_unit_id);
      return created;
    },
    fields: ["parent_id", "kind", "code", "name"],
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: units.reload }),
  });
  const parentId = Form.useWatch("parent_id", unitForm.form);
  const parentKind = all.find((u) => u.org_unit_id === parentId)?.kind;
  const kindsHere = editing ? [editing.kind] : parentKind ? CHILD_KINDS[parentKind] : [];

  const addUnder = (parent?: OrgUnit) => {
    setEditing(undefined);
    const under = parent && CHILD_KINDS[parent.kind].length > 0 ? parent : all[0];
    const kinds = under ? CHILD_KINDS[under.kind] : [];
    unitForm.show({
      ...(under ? { parent_id: under.org_unit_id } : {}),
      // A region's child is most often a store; under HQ, a region.
      ...(kinds.length > 0 ? { kind: under?.kind === "hq" ? "region" : "store" } : {}),
    });
  };
  const edit = (unit: OrgUnit) => {
    setEditing(unit);
    if (unit.kind === "hq") {
      // HQ has no parent or creatable kind; the form still shows its code and name.
      unitForm.show({ code: unit.code, name: unit.name });
      return;
    }
    unitForm.show({
      parent_id: unit.parent_id ?? "",
      kind: unit.kind,
      code: unit.code,
      name: unit.name,
    });
  };

  const counts = staffBelow(all, staff.data?.items ?? []);
  const toData = (node: UnitNode): DataNode => ({
    key: node.unit.org_unit_id,
    title: (
      <Space size={6}>
        <span>{node.unit.name}</span>
        <Tag>{t(`org.kinds.${node.unit.kind}`)}</Tag>
        <Typography.Text type="secondary">{node.unit.code}</Typography.Text>
        <Typography.Text type="secondary">
          · {t("org.staffCount", { n: counts.get(node.unit.org_unit_id) ?? 0 })}
        </Typography.Text>
      </Space>
    ),
    children: node.children.map(toData),
  });

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <div style={{ display: "flex", justifyContent: "space-between" }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("org.title")}
        </Typography.Title>
        <Button type="primary" onClick={() => addUnder(selected)} disabled={all.length === 0}>
          {t("org.new")}
        </Button>
      </div>
      {units.error !== undefined && <Alert type="error" title={errorText(units.error)} />}
      <Row gutter={16}>
        <Col span={10}>
          <Card size="small" loading={units.loading && !units.data}>
            {all.length > 0 && (
              <Tree
                blockNode
                showLine
                expandedKeys={all.map((u) => u.org_unit_id).filter((id) => !folded.has(id))}
                onExpand={(keys) => {
                  const open = new Set(keys.map(String));
                  setFolded(new Set(all.map((u) => u.org_unit_id).filter((id) => !open.has(id))));
                }}
                treeData={buildTree(all).map(toData)}
                selectedKeys={selectedId ? [selectedId] : []}
                onSelect={(keys) => {
                  const key = keys[0];
                  if (key !== undefined) select(String(key));
                }}
              />
            )}
          </Card>
        </Col>
        <Col span={14}>
          {selected ? (
            <OrgUnitPanel
              unit={selected}
              units={all}
              staff={staff.data?.items ?? []}
              onAdd={() => addUnder(selected)}
              onEdit={() => edit(selected)}
            />
          ) : (
            <Card size="small">
              <Empty description={t("org.pick")} />
            </Card>
          )}
        </Col>
      </Row>
      <FormDrawer<UnitForm>
        state={unitForm}
        title={editing ? t("org.edit", { name: editing.name }) : t("org.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
      >
        {editing?.kind !== "hq" && (
          <>
            <Form.Item
              name="parent_id"
              label={t("org.parent")}
              rules={[{ required: true }]}
              extra={t("org.placeHelp")}
            >
              <Select
                disabled={!!editing}
                showSearch
                optionFilterProp="label"
                options={all
                  .filter((u) => CHILD_KINDS[u.kind].length > 0)
                  .map((u) => ({ value: u.org_unit_id, label: `${u.name} (${u.code})` }))}
                onChange={(id: string) => {
                  // Keep the kind only where it may sit under the new parent.
                  const kind = all.find((u) => u.org_unit_id === id)?.kind;
                  const allowed = kind ? CHILD_KINDS[kind] : [];
                  const current = unitForm.form.getFieldValue("kind") as UnitForm["kind"] | undefined;
                  if (current && !allowed.includes(current)) unitForm.form.setFieldValue("kind", allowed[0]);
                }}
              />
            </Form.Item>
            <Form.Item name="kind" label={t("org.kind")} rules={[{ required: true }]}>
              <Select
                disabled={!!editing}
                options={kindsHere.map((k) => ({ value: k, label: t(`org.kinds.${k}`) }))}
              />
            </Form.Item>
          </>
        )}
        <Form.Item
          name="code"
          label={t("org.code")}
          rules={[
            { required: true },
            { max: 64 },
            { pattern: /^[A-Za-z0-9_.-]+$/, message: t("org.codeRule") },
          ]}
        >
          <Input placeholder="SH-LJZ" />
        </Form.Item>
        <Form.Item name="name" label={t("org.name")} rules={[{ required: true }, { max: 200 }]}>
          <Input />
        </Form.Item>
      </FormDrawer>
    </Space>
  );
}
