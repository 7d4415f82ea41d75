import { sql } from "kysely";
import { findTemplate } from "../coupons/templates.ts";
import { getSegment } from "../audience/segments/service.ts";
import { getOrgUnit } from "../org/service.ts";
import { isWithin, listStaffPlacements, scopePathOf } from "../org/staff.ts";
import { actorOf, type Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { toPage } from "../platform/http/pagination.ts";
import { businessRule, invalidField, notFound } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import type { AssigneeRole, TaskKind } from "./tables.ts";

/**
 * HQ tasks: a task goes to every guide (or store manager) of a subtree, snapshotted when issued. Progress comes
 * only from real actions (see credits.ts): members joining with the guide, coupons the guide's staff issued,
 * contacts logged. Each level sees the assignees below it.
 */

/** Most assignees one task may have (a national brand's guides). */
export const MAX_ASSIGNEES = 20_000;

export interface Task {
  task_id: string;
  title: string;
  description: string | null;
  kind: TaskKind;
  scope_org_unit_id: string;
  scope_path: string;
  assignee_role: AssigneeRole;
  target_per_assignee: number;
  template_code: string | null;
  segment_id: string | null;
  starts_at: Date;
  due_at: Date;
  reward_points: number | null;
  reward_bonus_minor: number | null;
  status: "open" | "cancelled";
  created_by: string;
  created_at: Date;
}

const TASK_COLUMNS = [
  "task_id",
  "title",
  "description",
  "kind",
  "scope_org_unit_id",
  "scope_path",
  "assignee_role",
  "target_per_assignee",
  "template_code",
  "segment_id",
  "starts_at",
  "due_at",
  "reward_points",
  "reward_bonus_minor",
  "status",
  "created_by",
  "created_at",
] as const;

export interface TaskInput {
  title: string;
  description?: string | undefined;
  kind: TaskKind;
  scope_org_unit_id: string;
  assignee_role?: AssigneeRole | undefined;
  target_per_assignee: number;
  template_code?: string | undefined;
  segment_id?: string | undefined;
  starts_at?: Date | undefined;
  due_at: Date;
  reward_points?: number | undefined;
  reward_bonus_minor?: number | undefined;
}

export async function createTask(
  tx: Executor,
  tenantId: string,
  input: TaskInput,
  principal: Principal,
  now: Date,
): Promise<Task> {
  const scope = await getOrgUnit(tx, tenantId, input.scope_org_unit_id).catch(() => undefined);
  if (!scope || !isWithin(scope.path, scopePathOf(principal)))
    throw invalidField("/scope_org_unit_id", `no org unit ${input.scope_org_unit_id} in your organisation`);
  const startsAt = input.starts_at ?? now;
  if (input.due_at <= startsAt) throw invalidField("/due_at", "the deadline must be after the start");
  if (input.kind === "issue_coupons") {
    if (!input.template_code)
      throw invalidField("/template_code", "a coupon task names the template to issue");
    if (!(await findTemplate(tx, tenantId, { code: input.template_code })))
      throw invalidField("/template_code", `no coupon template ${input.template_code}`);
  } else if (input.template_code !== undefined) {
    throw invalidField("/template_code", "only issue_coupons tasks name a template");
  }
  if (input.segment_id !== undefined) {
    if (input.kind !== "contact_members")
      throw invalidField("/segment_id", "only contact tasks name a segment");
    await getSegment(tx, tenantId, input.segment_id).catch(() => {
      throw invalidField("/segment_id", `no segment ${input.segment_id ?? ""}`);
    });
  }
  const role = input.assignee_role ?? "guide";
  const assignees = await listStaffPlacements(tx, tenantId, { withinPath: scope.path, roles: [role] });
  if (assignees.length === 0)
    throw businessRule(`there is no active ${role} in ${scope.name}`, "/scope_org_unit_id");
  if (assignees.length > MAX_ASSIGNEES)
    throw businessRule(`at most ${MAX_ASSIGNEES} assignees per task`, "/scope_org_unit_id");
  const task = await tx
    .insertInto("staff_tasks")
    .values({
      tenant_id: tenantId,
      task_id: newId("staffTask"),
      title: input.title,
      description: input.description ?? null,
      kind: input.kind,
      scope_org_unit_id: scope.org_unit_id,
      scope_path: scope.path,
      assignee_role: role,
      target_per_assignee: input.target_per_assignee,
      template_code: input.template_code ?? null,
      segment_id: input.segment_id ?? null,
      starts_at: startsAt,
      due_at: input.due_at,
      reward_points: input.reward_points ?? null,
      reward_bonus_minor: input.reward_bonus_minor ?? null,
      created_by: actorOf(principal),
      created_at: now,
    })
    .returning(TASK_COLUMNS)
    .executeTakeFirstOrThrow();
  await tx
    .insertInto("staff_task_assignees")
    .values(
      assignees.map((a) => ({
        tenant_id: tenantId,
        task_id: task.task_id,
        staff_id: a.staff_id,
        org_unit_id: a.org_unit_id,
        org_path: a.org_path,
        completed_at: null,
        last_reminded_at: null,
      })),
    )
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "staff_task.issued",
    subjectId: task.task_id,
    at: now,
    payload: {
      task_id: task.task_id,
      title: task.title,
      kind: task.kind,
      due_at: task.due_at.toISOString(),
      staff_ids: assignees.map((a) => a.staff_id),
    },
  });
  return task;
}

/** Staff see a task that covers them (issued above) or lies inside their subtree (issued below). */
export function canSee(task: { scope_path: string }, principal: Principal | undefined): boolean {
  const path = scopePathOf(principal);
  return path === undefined || task.scope_path.startsWith(path) || path.startsWith(task.scope_path);
}

export async function getTask(
  db: Executor,
  tenantId: string,
  taskId: string,
  principal: Principal | undefined,
): Promise<Task> {
  const task = await db
    .selectFrom("staff_tasks")
    .select(TASK_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("task_id", "=", taskId)
    .executeTakeFirst();
  if (!task || !canSee(task, principal)) throw notFound("task", taskId);
  return task;
}

export async function listTasks(
  db: Executor,
  tenantId: string,
  filter: { status?: "open" | "cancelled" | undefined },
  page: { limit: number; before: string | undefined },
  principal: Principal | undefined,
): Promise<{ items: Task[]; next_cursor: string | null }> {
  const path = scopePathOf(principal);
  let query = db.selectFrom("staff_tasks").select(TASK_COLUMNS).where("tenant_id", "=", tenantId);
  if (path !== undefined)
    query = query.where((eb) =>
      eb.or([eb("scope_path", "like", `${path}%`), sql<boolean>`${path} LIKE scope_path || '%'`]),
    );
  if (filter.status) query = query.where("status", "=", filter.status);
  if (page.before) query = query.where("task_id", "<", page.before);
  const rows = await query
    .orderBy("task_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (t) => t.task_id);
}

export async function cancelTask(
  tx: Executor,
  tenantId: string,
  taskId: string,
  principal: Principal,
  now: Date,
): Promise<Task> {
  const task = await getTask(tx, tenantId, taskId, principal);
  // Only the issuing level or above may call a task off: a store manager cannot cancel HQ's task.
  if (!isWithin(task.scope_path, scopePathOf(principal))) throw notFound("task", taskId);
  if (task.status === "cancelled") return task;
  const updated = await tx
    .updateTable("staff_tasks")
    .set({ status: "cancelled" })
    .where("tenant_id", "=", tenantId)
    .where("task_id", "=", taskId)
    .returning(TASK_COLUMNS)
    .executeTakeFirstOrThrow();
  await recordEvent(tx, {
    tenantId,
    type: "staff_task.cancelled",
    subjectId: taskId,
    at: now,
    payload: { task_id: taskId, by: actorOf(principal) },
  });
  return updated;
}

export interface Assignee {
  task_id: string;
  staff_id: string;
  org_unit_id: string;
  org_path: string;
  done: number;
  completed_at: Date | null;
  reminders: number;
  last_reminded_at: Date | null;
}

const ASSIGNEE_COLUMNS = [
  "task_id",
  "staff_id",
  "org_unit_id",
  "org_path",
  "done",
  "completed_at",
  "reminders",
  "last_reminded_at",
] as const;

/** The task's assignees at or below `withinPath`. */
export async function taskAssignees(
  db: Executor,
  tenantId: string,
  taskId: string,
  withinPath: string | undefined,
): Promise<Assignee[]> {
  let query = db
    .selectFrom("staff_task_assignees")
    .select(ASSIGNEE_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("task_id", "=", taskId);
  if (withinPath !== undefined) query = query.where("org_path", "like", `${withinPath}%`);
  return query.orderBy("org_path").orderBy("staff_id").limit(MAX_ASSIGNEES).execute();
}

/** A staff member's own tasks, newest first, with their progress. */
export async function myTasks(
  db: Executor,
  tenantId: string,
  staffId: string,
  filter: { open_only: boolean },
  now: Date,
): Promise<(Task & { done: number; completed_at: Date | null })[]> {
  let query = db
    .selectFrom("staff_task_assignees as a")
    .innerJoin("staff_tasks as t", (join) =>
      join.onRef("t.tenant_id", "=", "a.tenant_id").onRef("t.task_id", "=", "a.task_id"),
    )
    .select([...TASK_COLUMNS.map((c) => `t.${c}` as const), "a.done", "a.completed_at"])
    .where("a.tenant_id", "=", tenantId)
    .where("a.staff_id", "=", staffId);
  if (filter.open_only) query = query.where("t.status", "=", "open").where("t.due_at", ">=", now);
  return query.orderBy("t.task_id", "desc").limit(200).execute();
}

/** How many tasks overlapping a window each staff member had, and how many they completed. */
export async function taskCountsByStaff(
  db: Executor,
  tenantId: string,
  staffIds: readonly string[],
  window: { start: Date; end: Date },
): Promise<Map<string, { assigned: number; completed: number }>> {
  if (staffIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("staff_task_assignees as a")
    .innerJoin("staff_tasks as t", (join) =>
      join.onRef("t.tenant_id", "=", "a.tenant_id").onRef("t.task_id", "=", "a.task_id"),
    )
    .select((eb) => [
      "a.staff_id",
      eb.fn.countAll<number>().as("assigned"),
      eb.fn.count<number>("a.completed_at").as("completed"),
    ])
    .where("a.tenant_id", "=", tenantId)
    .where("a.staff_id", "in", [...staffIds])
    .where("t.status", "=", "open")
    .where("t.starts_at", "<=", window.end)
    .where("t.due_at", ">=", window.start)
    .groupBy("a.staff_id")
    .execute();
  return new Map(
    rows.map((r) => [r.staff_id, { assigned: Number(r.assigned), completed: Number(r.completed) }]),
  );
}

export async function staffRewards(
  db: Executor,
  tenantId: string,
  staffId: string,
): Promise<{
  points: number;
  bonus_minor: number;
  items: { task_id: string; points: number; bonus_minor: number; at: Date }[];
}> {
  const items = await db
    .selectFrom("staff_rewards")
    .select(["task_id", "points", "bonus_minor", "at"])
    .where("tenant_id", "=", tenantId)
    .where("staff_id", "=", staffId)
    .orderBy("at", "desc")
    .limit(200)
    .execute();
  const totals = await db
    .selectFrom("staff_rewards")
    .select((eb) => [
      eb.fn.sum<number>("points").as("points"),
      eb.fn.sum<number>("bonus_minor").as("bonus_minor"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("staff_id", "=", staffId)
    .executeTakeFirst();
  return { points: Number(totals?.points ?? 0), bonus_minor: Number(totals?.bonus_minor ?? 0), items };
}
