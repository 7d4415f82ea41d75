// My tasks from headquarters or my store (recruit, issue coupons, contact a segment…) and how far I am.
import { Link } from "react-router";
import { errorText } from "../../shared/api.ts";
import { date } from "../../shared/format.ts";
import { LangToggle, useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useStaff } from "../context.ts";

interface MyTask {
  task_id: string;
  title: string;
  description: string | null;
  kind: string;
  target_per_assignee: number;
  due_at: string;
  reward_points: number | null;
  done: number;
  completed_at: string | null;
}

export function Tasks() {
  const { t, lang } = useI18n();
  const { api } = useStaff();
  const tasks = useLoad(() => api.get<{ items: MyTask[] }>("/v1/my/tasks"), []);
  return (
    <>
      <div className="bar">
        <Link to="/">‹ {t("s.myMembers")}</Link>
        <LangToggle />
      </div>
      <div className="section">
        <h2>{t("s.tasksTitle")}</h2>
        {tasks.error !== undefined && <p className="error">{errorText(tasks.error)}</p>}
        {tasks.data && tasks.data.items.length === 0 && <p className="muted">{t("s.noTasks")}</p>}
        <ul className="list" data-testid="my-tasks">
          {(tasks.data?.items ?? []).map((task) => (
            <li key={task.task_id} style={{ display: "block" }}>
              <div style={{ display: "flex", justifyContent: "space-between" }}>
                <b>{task.title}</b>
                <span className={task.completed_at ? "ok" : "muted"}>
                  {task.done}/{task.target_per_assignee}
                </span>
              </div>
              <div className="progress">
                <div
                  style={{
                    width: `${Math.min(100, (task.done / Math.max(1, task.target_per_assignee)) * 100)}%`,
                  }}
                />
              </div>
              <div className="muted">
                {t("s.due", { date: date(task.due_at, lang) })}
                {task.reward_points ? ` · ${t("s.reward", { points: task.reward_points })}` : ""}
                {task.kind === "contact_members" && !task.completed_at && (
                  <>
                    {" · "}
                    <Link to={`/tasks/${task.task_id}`}>{t("s.toContact")}</Link>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
