import type { Executor } from "../../platform/db/database.ts";
import { toPage } from "../../platform/http/pagination.ts";
import { businessRule, invalidField, notFound, Problem } from "../../platform/http/problems.ts";
import { engagementId } from "../ids.ts";
import { assertCouponCodes } from "../rewards.ts";
import type { TaskPeriod } from "../tables.ts";

/** Task definitions: what a brand rewards, and how often. */

export const MAX_TASKS = 200;

export interface Task {
  task_id: string;
  code: string;
  name: string;
  event_type: string;
  period: TaskPeriod;
  events_required: number;
  max_completions_per_period: number;
  reward_points: number;
  reward_coupon: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export const TASK_COLUMNS = [
  "task_id",
  "code",
  "name",
  "event_type",
  "period",
  "events_required",
  "max_completions_per_period",
  "reward_points",
  "reward_coupon",
  "active",
  "created_at",
  "updated_at",
] as const;

export interface TaskInput {
  code: string;
  name: string;
  event_type: string;
  period: TaskPeriod;
  events_required?: number | undefined;
  max_completions_per_period?: number | undefined;
  reward_points?: number | undefined;
  reward_coupon?: string | null | undefined;
  active?: boolean | undefined;
}

function checkReward(points: number, coupon: string | null) {
  if (points === 0 && coupon === null)
    throw invalidField("/reward_points", "a task rewards points, a coupon or both");
}

export async function createTask(tx: Executor, tenantId: string, input: TaskInput, now: Date): Promise<Task> {
  const reward_points = input.reward_points ?? 0;
  const reward_coupon = input.reward_coupon ?? null;
  checkReward(reward_points, reward_coupon);
  await assertCouponCodes(tx, tenantId, [{ field: "/reward_coupon", code: reward_coupon }]);
  const count = await tx
    .selectFrom("engagement_tasks")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_TASKS) throw businessRule(`a brand has at most ${MAX_TASKS} tasks`);
  const row = await tx
    .insertInto("engagement_tasks")
    .values({
      tenant_id: tenantId,
      task_id: engagementId("task"),
      code: input.code,
      name: input.name,
      event_type: input.event_type,
      period: input.period,
      events_required: input.events_required ?? 1,
      max_completions_per_period: input.period === "once" ? 1 : (input.max_completions_per_period ?? 1),
      reward_points,
      reward_coupon,
      active: input.active ?? true,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "code"]).doNothing())
    .returning(TASK_COLUMNS)
    .executeTakeFirst();
  if (!row)
    throw new Problem("conflict", `a task with code ${input.code} exists`, {
      errors: [{ in: "body", field: "/code", message: "already used" }],
    });
  return row;
}

export type TaskPatch = Partial<
  Pick<TaskInput, "name" | "reward_points" | "reward_coupon" | "active" | "max_completions_per_period">
>;

/** The event type, period and events required are fixed once created: progress already counted depends on them. */
export async function updateTask(
  tx: Executor,
  tenantId: string,
  taskId: string,
  patch: TaskPatch,
  now: Date,
): Promise<Task> {
  const current = await getTask(tx, tenantId, taskId);
  const reward_points = patch.reward_points ?? current.reward_points;
  const reward_coupon = patch.reward_coupon !== undefined ? patch.reward_coupon : current.reward_coupon;
  checkReward(reward_points, reward_coupon);
  await assertCouponCodes(tx, tenantId, [{ field: "/reward_coupon", code: reward_coupon }]);
  return tx
    .updateTable("engagement_tasks")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.max_completions_per_period !== undefined && current.period !== "once"
        ? { max_completions_per_period: patch.max_completions_per_period }
        : {}),
      reward_points,
      reward_coupon,
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("task_id", "=", taskId)
    .returning(TASK_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function getTask(db: Executor, tenantId: string, taskId: string): Promise<Task> {
  const row = await db
    .selectFrom("engagement_tasks")
    .select(TASK_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("task_id", "=", taskId)
    .executeTakeFirst();
  if (!row) throw notFound("task", taskId);
  return row;
}

export async function listTasks(
  db: Executor,
  tenantId: string,
  page: { limit: number; after: string | undefined; activeOnly?: boolean },
): Promise<{ items: Task[]; next_cursor: string | null }> {
  let query = db.selectFrom("engagement_tasks").select(TASK_COLUMNS).where("tenant_id", "=", tenantId);
  if (page.after) query = query.where("task_id", ">", page.after);
  if (page.activeOnly) query = query.where("active", "=", true);
  const rows = await query
    .orderBy("task_id")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (r) => r.task_id);
}
