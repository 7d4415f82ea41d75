import { segmentMembers } from "../audience/segments/service.ts";
import { getMember, memberLabels } from "../members/service.ts";
import { isWithin, scopePathOf } from "../org/staff.ts";
import type { Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { creditAction } from "./credits.ts";
import { isLagging } from "./rules.ts";
import { type Task, taskAssignees } from "./service.ts";

/** A laggard is reminded at most this often, however often the button is pressed. */
export const MIN_REMINDER_INTERVAL_MS = 60 * 60 * 1000;

export type ContactChannel = "call" | "chat" | "sms" | "visit" | "other";

export interface Contact {
  contact_id: string;
  staff_id: string;
  member_id: string;
  channel: ContactChannel;
  note: string | null;
  at: Date;
  credited: number;
}

/**
 * A staff member logs a contact with one of their members: the record a contact task counts. The member must be
 * in the caller's scope (a guide contacts only their own members).
 */
export async function logContact(
  tx: Executor,
  tenantId: string,
  principal: Principal,
  input: { member_id: string; channel: ContactChannel; note?: string | undefined },
  now: Date,
): Promise<Contact> {
  if (principal.kind !== "staff") throw businessRule("contacts are logged by staff");
  const member = await getMember(tx, tenantId, input.member_id, principal);
  const contact = {
    contact_id: newId("staffContact"),
    staff_id: principal.staffId,
    member_id: member.member_id,
    channel: input.channel,
    note: input.note ?? null,
    at: now,
  };
  await tx
    .insertInto("staff_contacts")
    .values({ tenant_id: tenantId, ...contact })
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "member.contacted",
    subjectId: member.member_id,
    at: now,
    payload: { ...contact, at: now.toISOString() },
  });
  const credited = await creditAction(tx, tenantId, {
    kind: "contact_members",
    member_id: member.member_id,
    subject_id: member.member_id,
    guide_id: principal.role === "guide" ? principal.staffId : null,
    store_id: member.home_store_id,
    at: now,
  });
  return { ...contact, credited };
}

/**
 * Reminds the lagging assignees at or below the caller (behind the pace the elapsed time asks for): one
 * `staff_task.reminder` event each, for messaging to deliver. Returns whom it reminded.
 */
export async function remindLaggards(
  tx: Executor,
  tenantId: string,
  task: Task,
  principal: Principal,
  now: Date,
): Promise<string[]> {
  if (task.status !== "open") throw businessRule("the task is cancelled");
  const assignees = await taskAssignees(tx, tenantId, task.task_id, scopePathOf(principal));
  const due = assignees.filter(
    (a) =>
      isLagging({ done: a.done, completed: a.completed_at !== null }, task, now) &&
      (a.last_reminded_at === null ||
        now.getTime() - a.last_reminded_at.getTime() >= MIN_REMINDER_INTERVAL_MS),
  );
  for (const a of due) {
    await tx
      .updateTable("staff_task_assignees")
      .set((eb) => ({ reminders: eb("reminders", "+", 1), last_reminded_at: now }))
      .where("tenant_id", "=", tenantId)
      .where("task_id", "=", task.task_id)
      .where("staff_id", "=", a.staff_id)
      .execute();
    await recordEvent(tx, {
      tenantId,
      type: "staff_task.reminder",
      subjectId: a.staff_id,
      at: now,
      payload: {
        task_id: task.task_id,
        title: task.title,
        staff_id: a.staff_id,
        done: a.done,
        target: task.target_per_assignee,
        due_at: task.due_at.toISOString(),
      },
    });
  }
  return due.map((a) => a.staff_id);
}

/** A contact task's to-do list for a staff member: the segment's members in their scope not yet contacted. */
export async function contactTodo(
  db: Executor,
  tenantId: string,
  task: Task,
  principal: Principal,
  page: { limit: number; after: string | undefined },
): Promise<{ items: TodoItem[]; next_cursor: string | null }> {
  if (principal.kind !== "staff" || !task.segment_id) return { items: [], next_cursor: null };
  if (!isWithin(principal.orgPath, task.scope_path) && !isWithin(task.scope_path, principal.orgPath))
    return { items: [], next_cursor: null };
  const members = await segmentMembers(db, tenantId, task.segment_id, page, principal);
  const ids = members.items.map((m) => m.member_id);
  const done =
    ids.length === 0
      ? new Set<string>()
      : new Set(
          (
            await db
              .selectFrom("staff_task_credits")
              .select("member_id")
              .where("tenant_id", "=", tenantId)
              .where("task_id", "=", task.task_id)
              .where("staff_id", "=", principal.staffId)
              .where("member_id", "in", ids)
              .execute()
          ).map((r) => r.member_id),
        );
  const todo = members.items.filter((m) => !done.has(m.member_id));
  const labels = await memberLabels(
    db,
    tenantId,
    todo.map((m) => m.member_id),
  );
  return {
    items: todo.map((m) => ({
      member_id: m.member_id,
      name: labels.get(m.member_id)?.name ?? null,
      card_no: labels.get(m.member_id)?.card_no ?? null,
      stage: m.stage,
    })),
    next_cursor: members.next_cursor,
  };
}

export interface TodoItem {
  member_id: string;
  name: string | null;
  card_no: string | null;
  stage: string | null;
}
