// HQ tasks: the list with each task's completion (open, cancelled or all; 20 a page over the API's cursors), and
// a form to issue one to every guide of an org unit.
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Segmented, Select, Tag } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { date, percent } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { CouponTemplate } from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { useCursorPages } from "../../shared/cursor-pages.ts";
import { CursorPager } from "./CursorPager.tsx";
import { SimpleList } from "./SimpleList.tsx";
import { showProblem } from "./form-problems.ts";
import type { OrgUnit, StaffTask, TaskKind, Totals } from "./tasks.ts";

interface TaskForm {
  title: string;
  kind: TaskKind;
  scope_org_unit_id: string;
  target_per_assignee: number;
  due_day: string;
  template_code?: string;
  segment_id?: string;
  reward_points?: number;
  reward_bonus_yuan?: number;
}
type TaskRow = StaffTask & { totals?: Totals };

const FIELDS = ["title", "kind", "scope_org_unit_id", "target_per_assignee", "due_day", "template_code"];
const MORE_FIELDS = ["segment_id", "reward_points", "reward_bonus_yuan"];

/** The deadline is the end of the chosen day in the operator's time zone. */
function endOfDay(day: string): string {
  return new Date(`${day}T23:59:59`).toISOString();
}

export default function Tasks() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const [status, setStatus] = useState<"open" | "cancelled" | "all">("open");
  const pages = useCursorPages();
  const tasks = useLoad(async () => {
    const page = await api.get<{ items: StaffTask[]; next_cursor: string | null }>("/v1/staff-tasks", {
      limit: 20,
      cursor: pages.cursor,
      ...(status === "all" ? {} : { status }),
    });
    // The list carries no totals: each task's own answer does (20 small reads a page).
    const items: TaskRow[] = await Promise.all(
      page.items.map((task) => api.get<TaskRow>(`/v1/staff-tasks/${task.task_id}`)),
    );
    return { items, next_cursor: page.next_cursor };
  }, [status, pages.cursor]);
  const units = useLoad(() => api.get<{ items: OrgUnit[] }>("/v1/org-units"), []);
  const templates = useLoad(() => api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"), []);
  const segments = useLoad(
    () => api.get<{ items: { segment_id: string; name: string }[] }>("/v1/audience/segments"),
    [],
  );
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [form] = Form.useForm<TaskForm>();
  const kind = Form.useWatch("kind", form);
  const unitName = (id: string) => units.data?.items.find((u) => u.org_unit_id === id)?.name ?? id;

  const issue = async (values: TaskForm) => {
    setProblem(undefined);
    const { due_day, reward_bonus_yuan, ...rest } = values;
    const body = Object.fromEntries(
      Object.entries({
        ...rest,
        due_at: endOfDay(due_day),
        reward_bonus_minor: reward_bonus_yuan === undefined ? undefined : Math.round(reward_bonus_yuan * 100),
      }).filter(([, v]) => v !== undefined && v !== null && v !== ""),
    );
    try {
      await api.post("/v1/staff-tasks", body);
      void message.success(t("task.issued", { name: values.title }));
      setOpen(false);
      form.resetFields();
      tasks.reload();
    } catch (failure) {
      setProblem(
        showProblem(form, failure, [...FIELDS, ...MORE_FIELDS], {
          due_at: "due_day",
          reward_bonus_minor: "reward_bonus_yuan",
        }),
      );
    }
  };

  return (
    <SimpleList<TaskRow>
      title={t("nav.tasks")}
      rowKey="task_id"
      loaded={tasks}
      actions={
        <>
          <Segmented
            value={status}
            onChange={(value) => {
              setStatus(value as typeof status);
              pages.reset();
            }}
            options={[
              { value: "open", label: t("task.filter.open") },
              { value: "cancelled", label: t("task.filter.cancelled") },
              { value: "all", label: t("task.filter.all") },
            ]}
          />
          <CursorPager pages={pages} next={tasks.data?.next_cursor} />
          <Button type="primary" onClick={() => setOpen(true)}>
            {t("task.new")}
          </Button>
        </>
      }
      columns={[
        {
          title: t("task.title"),
          dataIndex: "title",
          render: (title: string, task) => <Link to={`/tasks/${task.task_id}`}>{title}</Link>,
        },
        { title: t("task.kind"), dataIndex: "kind", render: (k: TaskKind) => t(`task.kind.${k}`) },
        { title: t("task.scope"), dataIndex: "scope_org_unit_id", render: (id: string) => unitName(id) },
        { title: t("task.target"), dataIndex: "target_per_assignee" },
        { title: t("task.due"), dataIndex: "due_at", render: (iso: string) => date(iso, lang) },
        {
          title: t("task.status"),
          dataIndex: "status",
          render: (s: StaffTask["status"]) => (
            <Tag color={s === "open" ? "green" : undefined}>{t(`task.status.${s}`)}</Tag>
          ),
        },
        { title: t("task.completion"), render: (_, task) => percent(task.totals?.rate, lang) },
      ]}
    >
      <Drawer
        open={open}
        title={t("task.new")}
        onClose={() => setOpen(false)}
        extra={
          <Button type="primary" onClick={() => form.submit()}>
            {t("common.create")}
          </Button>
        }
      >
        {problem && <Alert type="error" title={problem} style={{ marginBottom: 12 }} />}
        <Form<TaskForm>
          form={form}
          layout="vertical"
          initialValues={{ kind: "recruit", target_per_assignee: 10 }}
          onFinish={(v) => void issue(v)}
        >
          <Form.Item name="title" label={t("task.title")} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="kind" label={t("task.kind")}>
            <Select
              options={(["recruit", "issue_coupons", "contact_members"] as const).map((k) => ({
                value: k,
                label: t(`task.kind.${k}`),
              }))}
            />
          </Form.Item>
          {kind === "issue_coupons" && (
            <Form.Item name="template_code" label={t("task.template")} rules={[{ required: true }]}>
              <Select
                options={(templates.data?.items ?? []).map((tpl) => ({ value: tpl.code, label: tpl.name }))}
              />
            </Form.Item>
          )}
          {kind === "contact_members" && (
            <Form.Item name="segment_id" label={t("task.segment")}>
              <Select
                allowClear
                options={(segments.data?.items ?? []).map((s) => ({ value: s.segment_id, label: s.name }))}
              />
            </Form.Item>
          )}
          <Form.Item name="scope_org_unit_id" label={t("task.scope")} rules={[{ required: true }]}>
            <Select
              showSearch
              optionFilterProp="label"
              options={(units.data?.items ?? []).map((u) => ({ value: u.org_unit_id, label: u.name }))}
            />
          </Form.Item>
          <Form.Item name="target_per_assignee" label={t("task.target")} rules={[{ required: true }]}>
            <InputNumber style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="due_day" label={t("task.due")} rules={[{ required: true }]}>
            <Input type="date" />
          </Form.Item>
          <Form.Item name="reward_points" label={t("task.rewardPoints")}>
            <InputNumber style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="reward_bonus_yuan" label={t("task.rewardBonus")}>
            <InputNumber style={{ width: "100%" }} />
          </Form.Item>
        </Form>
      </Drawer>
    </SimpleList>
  );
}
