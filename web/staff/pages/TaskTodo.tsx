// A contact task's to-do list: the members of its segment in my scope I have not contacted yet, each a link to
// their card, where the contact is logged (MemberCard). Logged ones drop off the list.
import { Link, useParams } from "react-router";
import { errorText, type Page } from "../../shared/api.ts";
import { LangToggle, useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useCursorPages } from "../../shared/cursor-pages.ts";
import { MobilePager } from "../../shared/MobilePager.tsx";
import { useStaff } from "../context.ts";

interface Todo {
  member_id: string;
  name: string | null;
  card_no: string | null;
  stage: string | null;
}

export function TaskTodo() {
  const { taskId = "" } = useParams();
  const { t } = useI18n();
  const { api } = useStaff();
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const todo = useLoad(
    () => api.get<Page<Todo>>(`/v1/staff-tasks/${encodeURIComponent(taskId)}/todo`, { cursor, limit: 20 }),
    [taskId, cursor],
  );
  return (
    <>
      <div className="bar">
        <Link to="/tasks">‹ {t("s.tasksTitle")}</Link>
        <LangToggle />
      </div>
      <div className="section">
        <h2>{t("s.todoTitle")}</h2>
        {todo.error !== undefined && <p className="error">{errorText(todo.error)}</p>}
        {todo.data && todo.data.items.length === 0 && <p className="muted">{t("s.todoDone")}</p>}
        <ul className="list" data-testid="task-todo">
          {(todo.data?.items ?? []).map((m) => (
            <li key={m.member_id}>
              <Link to={`/members/${m.member_id}?task=${encodeURIComponent(taskId)}`}>
                {m.name ?? m.card_no ?? m.member_id}
              </Link>
              <span className="muted">
                {m.card_no ?? ""}
                {m.stage ? ` · ${m.stage}` : ""}
              </span>
            </li>
          ))}
        </ul>
        <MobilePager pages={pages} next={todo.data?.next_cursor} />
      </div>
    </>
  );
}
