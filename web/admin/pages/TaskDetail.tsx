// One HQ task: completion rolled up region → store → guide, as numbers and a bar chart; a unit's row opens the
// roll-up from that unit down (`?unit=`); remind laggards, cancel.
import { Alert, App, Button, Card, Descriptions, Popconfirm, Space, Table, Tag, Typography } from "antd";
import { useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { errorText } from "../../shared/api.ts";
import { Chart } from "../../shared/Chart.tsx";
import { date, money, percent } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { rollUpOption, type StaffTask, type TaskProgress, type Totals } from "./tasks.ts";

export default function TaskDetail() {
  const { taskId = "" } = useParams();
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const { message } = App.useApp();
  const task = useLoad(() => api.get<StaffTask & { totals: Totals }>(`/v1/staff-tasks/${taskId}`), [taskId]);
  const [params] = useSearchParams();
  const unit = params.get("unit") ?? undefined;
  const progress = useLoad(
    () => api.get<TaskProgress>(`/v1/staff-tasks/${taskId}/progress`, unit ? { org_unit_id: unit } : {}),
    [taskId, unit],
  );
  const option = useMemo(() => rollUpOption(progress.data?.units ?? [], t), [progress.data, t]);
  const unitName = (id: string) => progress.data?.units.find((u) => u.org_unit_id === id)?.name ?? id;

  const act = async (path: "reminders" | "cancel") => {
    try {
      const answer = await api.post<{ reminded?: string[] }>(`/v1/staff-tasks/${taskId}/${path}`, {});
      if (path === "reminders") void message.success(t("task.reminded", { n: answer.reminded?.length ?? 0 }));
      task.reload();
      progress.reload();
    } catch (failure) {
      void message.error(errorText(failure));
    }
  };

  const data = task.data;
  const failure = task.error ?? progress.error;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/tasks">← {t("task.back")}</Link>
      {failure !== undefined && <Alert type="error" title={errorText(failure)} />}
      {data && (
        <Card
          title={<Typography.Text data-testid="task-title">{data.title}</Typography.Text>}
          extra={
            data.status === "open" && (
              <Space>
                <Button onClick={() => void act("reminders")}>{t("task.remind")}</Button>
                <Popconfirm title={t("task.cancelConfirm")} onConfirm={() => void act("cancel")}>
                  <Button danger>{t("task.cancel")}</Button>
                </Popconfirm>
              </Space>
            )
          }
        >
          <Descriptions size="small" column={4}>
            <Descriptions.Item label={t("task.kind")}>{t(`task.kind.${data.kind}`)}</Descriptions.Item>
            <Descriptions.Item label={t("task.target")}>{data.target_per_assignee}</Descriptions.Item>
            <Descriptions.Item label={t("task.due")}>{date(data.due_at, lang)}</Descriptions.Item>
            <Descriptions.Item label={t("task.status")}>
              <Tag color={data.status === "open" ? "green" : undefined}>
                {t(`task.status.${data.status}`)}
              </Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t("task.completion")}>
              <span data-testid="task-completion">{percent(data.totals.rate, lang)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("task.completedPeople")}>
              {data.totals.completed} / {data.totals.assignees}
            </Descriptions.Item>
            <Descriptions.Item label={t("task.rewardPoints")}>{data.reward_points ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("task.rewardBonus")}>
              {data.reward_bonus_minor === null ? "—" : money(data.reward_bonus_minor, lang)}
            </Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      <Card
        title={t("task.rollUp")}
        loading={progress.loading && !progress.data}
        extra={unit && <Link to={{ search: "" }}>{t("task.wholeRollUp")}</Link>}
      >
        <Chart
          testId="chart-task-rollup"
          option={option}
          height={Math.max(160, chartHeight(progress.data))}
        />
        <Table
          rowKey="org_unit_id"
          size="small"
          pagination={false}
          dataSource={progress.data?.units ?? []}
          columns={[
            {
              title: t("task.unit"),
              dataIndex: "name",
              // The unit the roll-up starts from is the first row; the others open their own.
              render: (name: string, u) =>
                u.org_unit_id === progress.data?.org_unit_id ? (
                  name
                ) : (
                  <Link to={{ search: `?unit=${u.org_unit_id}` }}>{name}</Link>
                ),
            },
            { title: t("tier.kind"), dataIndex: "kind" },
            { title: t("task.done"), render: (_, u) => `${u.done} / ${u.target}` },
            { title: t("task.completion"), render: (_, u) => percent(u.rate, lang) },
            { title: t("task.completedPeople"), render: (_, u) => `${u.completed} / ${u.assignees}` },
          ]}
        />
      </Card>
      <Card title={t("task.guides")}>
        <Table
          rowKey="staff_id"
          size="small"
          pagination={{ pageSize: 50 }}
          dataSource={progress.data?.assignees ?? []}
          columns={[
            { title: t("task.guide"), dataIndex: "name" },
            { title: t("task.unit"), dataIndex: "org_unit_id", render: (id: string) => unitName(id) },
            { title: t("task.done"), render: (_, a) => `${a.done} / ${a.target}` },
            {
              title: t("task.status"),
              dataIndex: "lagging",
              render: (lagging: boolean) =>
                lagging ? <Tag color="red">{t("task.lagging")}</Tag> : <Tag>{t("task.onPace")}</Tag>,
            },
            { title: t("task.reminders"), dataIndex: "reminders" },
          ]}
        />
      </Card>
    </Space>
  );
}

/** Room for one bar per unit shown. */
function chartHeight(progress: TaskProgress | undefined): number {
  return 40 + 28 * Math.max(1, (progress?.units.length ?? 1) - 1);
}
