// Tags and how many members hold each, in their groups; forms for a tag group and a tag (a rule tag's condition
// written with the condition builder), an edit of a tag, and a CSV import.
import { Tag as AntTag, Button, Form, Input, InputNumber, Select, Space, Typography } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { type BuilderState, ConditionBuilder, EMPTY_BUILDER } from "./ConditionBuilder.tsx";
import { FormDrawer, useApiForm } from "./FormDrawer.tsx";
import { ProductRows } from "./ProductRows.tsx";
import { SimpleList } from "./SimpleList.tsx";
import {
  builderOf,
  FORM_KINDS,
  PRODUCT_STAGES,
  type StoredTag,
  TAG_FIELDS,
  type TagForm,
  tagBody,
  toTagForm,
} from "./tag-form.ts";
import { TagImportButton } from "./TagImport.tsx";

interface TagGroup {
  group_id: string;
  name: string;
  dimension: string;
}
interface GroupForm {
  name: string;
  dimension: string;
  description?: string;
}

/** The builder as a form control: Form.Item gives it the value and takes its changes. */
function ConditionField(props: { value?: BuilderState; onChange?: (next: BuilderState) => void }) {
  return (
    <ConditionBuilder value={props.value ?? EMPTY_BUILDER} onChange={(next) => props.onChange?.(next)} />
  );
}

const DIMENSIONS = ["custom", "attribute", "user_lifecycle", "product_lifecycle", "scene", "chat_keyword"];

export default function Tags() {
  const { t } = useI18n();
  const { api } = useConsole();
  const tags = useLoad(() => api.get<{ items: StoredTag[] }>("/v1/audience/tags"), []);
  const groups = useLoad(() => api.get<{ items: TagGroup[] }>("/v1/audience/tag-groups"), []);
  const [editing, setEditing] = useState<StoredTag>();
  const groupForm = useApiForm<GroupForm>({
    send: (v) => api.post("/v1/audience/tag-groups", v),
    fields: ["name", "dimension", "description"],
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: groups.reload }),
  });
  // A rule tag's condition the builder cannot show as rows stays as it is on an edit.
  const conditionShown = !editing || editing.kind !== "rule" || !!builderOf(editing.definition?.condition);
  const tagForm = useApiForm<TagForm>({
    send: (v) =>
      editing
        ? api.patch(`/v1/audience/tags/${editing.tag_id}`, tagBody(v, true, conditionShown))
        : api.post("/v1/audience/tags", tagBody(v, false)),
    fields: TAG_FIELDS,
    aliases: { "condition.*": "condition" },
    done: (v) => ({ toast: t("cfg.saved", { name: v.name }), reload: tags.reload }),
  });
  const kind = Form.useWatch("kind", tagForm.form);
  const open = (tag?: StoredTag) => {
    setEditing(tag);
    tagForm.show(tag ? toTagForm(tag) : undefined);
  };
  const groupName = (id: string | null) =>
    id ? (groups.data?.items.find((g) => g.group_id === id)?.name ?? id) : "—";
  return (
    <SimpleList<StoredTag>
      title={t("nav.tags")}
      rowKey="tag_id"
      loaded={tags}
      actions={
        <>
          <Button onClick={() => groupForm.show()}>{t("tags.newGroup")}</Button>
          <Button type="primary" onClick={() => open()}>
            {t("tags.new")}
          </Button>
        </>
      }
      columns={[
        { title: t("coupon.name"), dataIndex: "name" },
        { title: t("tags.group"), dataIndex: "group_id", render: (id: string | null) => groupName(id) },
        { title: t("tier.kind"), dataIndex: "kind", render: (k: string) => <AntTag>{k}</AntTag> },
        { title: t("nav.members"), dataIndex: "members" },
        {
          title: "",
          render: (_, tag) => (
            <Space>
              {FORM_KINDS.includes(tag.kind as TagForm["kind"]) && (
                <Button size="small" onClick={() => open(tag)}>
                  {t("cfg.edit")}
                </Button>
              )}
              {tag.kind === "manual" && (
                <TagImportButton tagId={tag.tag_id} tagName={tag.name} onDone={tags.reload} />
              )}
            </Space>
          ),
        },
      ]}
    >
      <FormDrawer<GroupForm>
        state={groupForm}
        title={t("tags.newGroup")}
        initialValues={{ dimension: "custom" }}
      >
        <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 60 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="dimension" label={t("tags.dimension")}>
          <Select
            options={DIMENSIONS.map((d) => ({ value: d, label: t(`tags.dim.${d}` as "tags.dim.custom") }))}
          />
        </Form.Item>
        <Form.Item name="description" label={t("tags.description")}>
          <Input.TextArea rows={2} />
        </Form.Item>
      </FormDrawer>
      <FormDrawer<TagForm>
        state={tagForm}
        title={editing ? t("tags.edit", { name: editing.name }) : t("tags.new")}
        submitLabel={editing ? t("common.save") : t("common.create")}
        width={720}
        initialValues={{ kind: "manual", condition: EMPTY_BUILDER }}
      >
        <Form.Item
          name="group_id"
          label={t("tags.group")}
          rules={[{ required: true }]}
          extra={editing ? undefined : t("tags.groupHelp")}
        >
          <Select
            disabled={!!editing}
            showSearch
            optionFilterProp="label"
            options={(groups.data?.items ?? []).map((g) => ({ value: g.group_id, label: g.name }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t("coupon.name")} rules={[{ required: true }, { max: 60 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t("tier.kind")}>
          <Select
            disabled={!!editing}
            options={FORM_KINDS.map((k) => ({ value: k, label: t(`tags.kind.${k}`) }))}
          />
        </Form.Item>
        {kind === "rule" &&
          (conditionShown ? (
            <Form.Item name="condition" label={t("tags.condition")} extra={t("tags.conditionHelp")}>
              <ConditionField />
            </Form.Item>
          ) : (
            <Typography.Paragraph type="secondary">{t("tags.conditionKept")}</Typography.Paragraph>
          ))}
        {kind === "product_lifecycle" && (
          <>
            <Form.Item name="stage" label={t("set.cycles.stage")} rules={[{ required: true }]}>
              <Select
                options={PRODUCT_STAGES.map((stage) => ({
                  value: stage,
                  label: t(`set.cycles.stage.${stage}`),
                }))}
              />
            </Form.Item>
            <ProductRows />
          </>
        )}
        {kind === "scene" && (
          <Form.Item name="scene_keys" label={t("tags.scenes")} rules={[{ required: true }]}>
            <Select mode="tags" />
          </Form.Item>
        )}
        {kind === "keyword" && (
          <Form.Item name="keywords" label={t("tags.keywords")} rules={[{ required: true }]}>
            <Select mode="tags" />
          </Form.Item>
        )}
        <Form.Item name="expires_after_days" label={t("tags.expires")}>
          <InputNumber min={1} max={3650} precision={0} style={{ width: "100%" }} />
        </Form.Item>
      </FormDrawer>
    </SimpleList>
  );
}
