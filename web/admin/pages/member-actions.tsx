// The operator's actions on a member: adjust points with a reason, issue a coupon, add a tag.
import { Alert, App, Button, Form, Input, InputNumber, Modal, Select } from "antd";
import { useState } from "react";
import { useI18n } from "../../shared/i18n.tsx";
import type { CouponTemplate, Tag } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { showProblem } from "./form-problems.ts";

interface ActionProps {
  memberId: string;
  onDone: () => void;
}

/** A button that opens a one-form modal, submits it, and shows the API's problems on the form. */
function ActionModal<T extends object>(props: {
  label: string;
  title: string;
  fields: readonly string[];
  submit: (values: T) => Promise<string>;
  onDone: () => void;
  children: React.ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [form] = Form.useForm<T>();
  const { message } = App.useApp();
  const close = () => {
    setOpen(false);
    setProblem(undefined);
    form.resetFields();
  };
  const finish = async (values: T) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const done = await props.submit(values);
      void message.success(done);
      close();
      props.onDone();
    } catch (failure) {
      setProblem(showProblem(form, failure, props.fields));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button onClick={() => setOpen(true)}>{props.label}</Button>
      <Modal
        open={open}
        title={props.title}
        onCancel={close}
        onOk={() => form.submit()}
        confirmLoading={busy}
        destroyOnHidden
      >
        {problem && <Alert type="error" title={problem} style={{ marginBottom: 12 }} />}
        <Form<T> form={form} layout="vertical" onFinish={(v) => void finish(v)}>
          {props.children}
        </Form>
      </Modal>
    </>
  );
}

export function AdjustPointsButton(props: ActionProps) {
  const { t } = useI18n();
  const { api } = useConsole();
  return (
    <ActionModal<{ amount: number; reason: string }>
      label={t("action.adjustPoints")}
      title={t("action.adjustPoints")}
      fields={["amount", "reason"]}
      onDone={props.onDone}
      submit={async (values) => {
        await api.post(`/v1/members/${props.memberId}/points/adjustments`, values);
        return t("action.adjusted", { amount: values.amount });
      }}
    >
      <Form.Item
        name="amount"
        label={t("action.amount")}
        rules={[{ required: true }]}
        extra={t("action.amountHelp")}
      >
        <InputNumber style={{ width: "100%" }} precision={0} />
      </Form.Item>
      <Form.Item name="reason" label={t("points.reason")} rules={[{ required: true }]}>
        <Input maxLength={200} />
      </Form.Item>
    </ActionModal>
  );
}

export function IssueCouponButton(props: ActionProps) {
  const { t } = useI18n();
  const { api } = useConsole();
  const templates = useLoad(() => api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"), []);
  return (
    <ActionModal<{ template_code: string }>
      label={t("action.issueCoupon")}
      title={t("action.issueCoupon")}
      fields={["template_code"]}
      onDone={props.onDone}
      submit={async (values) => {
        const result = await api.post<{ issued: number; skipped: { reason?: string }[] }>(
          `/v1/members/${props.memberId}/coupons`,
          values,
        );
        if (result.issued === 0)
          throw new Error(t("action.notIssued", { reason: result.skipped[0]?.reason ?? "" }));
        return t("action.issued");
      }}
    >
      <Form.Item name="template_code" label={t("coupon.template")} rules={[{ required: true }]}>
        <Select
          loading={templates.loading}
          options={(templates.data?.items ?? [])
            .filter((tpl) => (tpl as { active?: boolean }).active !== false)
            .map((tpl) => ({ value: tpl.code, label: `${tpl.name} (${tpl.code})` }))}
        />
      </Form.Item>
    </ActionModal>
  );
}

/** Withdraws one unused coupon, with a reason (the API audits it). */
export function RevokeCouponButton(props: ActionProps & { couponId: string; code: string }) {
  const { t } = useI18n();
  const { api } = useConsole();
  return (
    <ActionModal<{ reason: string }>
      label={t("action.revokeCoupon")}
      title={t("action.revokeTitle", { code: props.code })}
      fields={["reason"]}
      onDone={props.onDone}
      submit={async (values) => {
        await api.post(`/v1/coupons/${encodeURIComponent(props.couponId)}/revoke`, values);
        return t("action.revoked");
      }}
    >
      <Form.Item
        name="reason"
        label={t("points.reason")}
        rules={[{ required: true, min: 3 }]}
        extra={t("action.revokeHelp")}
      >
        <Input maxLength={200} />
      </Form.Item>
    </ActionModal>
  );
}

/** Tags a member with a manual tag, creating the tag (and a "custom" group) when its name is new. */
export function AddTagButton(props: ActionProps) {
  const { t } = useI18n();
  const { api } = useConsole();
  const tags = useLoad(() => api.get<{ items: Tag[] }>("/v1/audience/tags"), []);
  const manual = (tags.data?.items ?? []).filter((tag) => tag.kind === "manual");
  return (
    <ActionModal<{ tag: string[] }>
      label={t("action.addTag")}
      title={t("action.addTag")}
      fields={["tag"]}
      onDone={() => {
        tags.reload();
        props.onDone();
      }}
      submit={async (values) => {
        const chosen = values.tag[0]?.trim() ?? "";
        let tagId = manual.find((tag) => tag.tag_id === chosen || tag.name === chosen)?.tag_id;
        if (!tagId) tagId = (await createManualTag(api, chosen)).tag_id;
        await api.post(`/v1/audience/tags/${tagId}/members`, { member_ids: [props.memberId] });
        return t("action.tagged", { tag: chosen });
      }}
    >
      <Form.Item name="tag" label={t("action.tag")} rules={[{ required: true }]} extra={t("action.tagHelp")}>
        <Select
          mode="tags"
          maxCount={1}
          options={manual.map((tag) => ({ value: tag.name, label: tag.name }))}
        />
      </Form.Item>
    </ActionModal>
  );
}

async function createManualTag(api: ReturnType<typeof useConsole>["api"], name: string): Promise<Tag> {
  const groups = await api.get<{ items: { group_id: string; dimension: string }[] }>(
    "/v1/audience/tag-groups",
  );
  const group =
    groups.items.find((g) => g.dimension === "custom") ??
    (await api.post<{ group_id: string }>("/v1/audience/tag-groups", {
      name: "Custom",
      dimension: "custom",
    }));
  return api.post<Tag>("/v1/audience/tags", { group_id: group.group_id, name, kind: "manual" });
}
