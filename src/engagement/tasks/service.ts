import { sql } from "kysely";
import { findMember } from "../../members/service.ts";
import type { Executor } from "../../platform/db/database.ts";
import { recordEvent } from "../../platform/events.ts";
import { businessRule, invalidField, Problem } from "../../platform/http/problems.ts";
import { getTenant } from "../../tenants/service.ts";
import { engagementId } from "../ids.ts";
import { payReward } from "../rewards.ts";
import type { TaskPeriod } from "../tables.ts";
import { completesAgain, periodKey } from "./rules.ts";
import { MAX_TASKS, type Task, TASK_COLUMNS } from "./definitions.ts";

/** Reported events counted towards tasks, and each member's progress. */

/** How far in the past a reported event may lie (its period may long be over), and how far ahead (clock skew). */
const EVENT_MAX_AGE_MS = 30 * 86_400_000;
const EVENT_MAX_AHEAD_MS = 5 * 60_000;

export interface EventInput {
  member_id: string;
  type: string;
  ref: string;
  occurred_at: Date;
}

export interface Completion {
  completion_id: string;
  task_id: string;
  task_code: string;
  period: string;
  seq: number;
  points: number;
  coupon_issue_id: string | null;
}

export interface EventOutcome {
  ref: string;
  replayed: boolean;
  completions: Completion[];
  /** Tasks this event counted towards whose period cap was already reached. */
  capped: string[];
}

/**
 * Counts a reported event towards every active task of its type and pays each completion it makes. The ref is the
 * business key: the same ref again answers the first outcome and counts nothing (a different event under that ref
 * is a 409).
 */
export async function recordEngagementEvent(
  tx: Executor,
  tenantId: string,
  input: EventInput,
  actor: string,
  now: Date,
): Promise<EventOutcome> {
  if (input.occurred_at.getTime() > now.getTime() + EVENT_MAX_AHEAD_MS)
    throw invalidField("/occurred_at", "is in the future");
  if (input.occurred_at.getTime() < now.getTime() - EVENT_MAX_AGE_MS)
    throw businessRule("events older than 30 days are not counted", "/occurred_at");
  const member = await findMember(tx, tenantId, { member_id: input.member_id });
  if (!member || (member.status !== "active" && member.status !== "prospect"))
    throw invalidField("/member_id", `no member ${input.member_id}`);
  const claimed = await tx
    .insertInto("engagement_events")
    .values({
      tenant_id: tenantId,
      ref: input.ref,
      member_id: input.member_id,
      type: input.type,
      occurred_at: input.occurred_at,
      received_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "ref"]).doNothing())
    .returning("ref")
    .executeTakeFirst();
  if (!claimed) return replay(tx, tenantId, input);

  const tasks = await tx
    .selectFrom("engagement_tasks")
    .select(TASK_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("event_type", "=", input.type)
    .where("active", "=", true)
    .orderBy("task_id")
    .execute();
  const { time_zone } = await getTenant(tx, tenantId);
  const outcome: EventOutcome = { ref: input.ref, replayed: false, completions: [], capped: [] };
  for (const task of tasks) {
    const period = periodKey(task.period, input.occurred_at, time_zone);
    // The upsert both counts the event and locks the member's progress row for the rest of the transaction.
    const progress = await sql<{ events: number; completions: number }>`
      INSERT INTO task_progress (tenant_id, task_id, member_id, period_key, events, completions, updated_at)
      VALUES (${tenantId}, ${task.task_id}, ${input.member_id}, ${period}, 1, 0, ${now})
      ON CONFLICT (tenant_id, task_id, member_id, period_key)
      DO UPDATE SET events = task_progress.events + 1, updated_at = EXCLUDED.updated_at
      RETURNING events, completions`.execute(tx);
    const row = progress.rows[0];
    if (!row) continue;
    if (!completesAgain(task, row.events, row.completions)) {
      if (row.events % task.events_required === 0) outcome.capped.push(task.code);
      continue;
    }
    const seq = row.completions + 1;
    await tx
      .updateTable("task_progress")
      .set({ completions: seq })
      .where("tenant_id", "=", tenantId)
      .where("task_id", "=", task.task_id)
      .where("member_id", "=", input.member_id)
      .where("period_key", "=", period)
      .execute();
    outcome.completions.push(await complete(tx, tenantId, task, input, period, seq, actor, now));
  }
  await tx
    .updateTable("engagement_events")
    .set({ outcome: JSON.stringify({ completions: outcome.completions, capped: outcome.capped }) })
    .where("tenant_id", "=", tenantId)
    .where("ref", "=", input.ref)
    .execute();
  return outcome;
}

async function complete(
  tx: Executor,
  tenantId: string,
  task: Task,
  input: EventInput,
  period: string,
  seq: number,
  actor: string,
  now: Date,
): Promise<Completion> {
  const completionId = engagementId("taskCompletion");
  const reward = await payReward(
    tx,
    tenantId,
    {
      member_id: input.member_id,
      points: task.reward_points,
      coupon: task.reward_coupon,
      source_type: "engagement.task",
      source_id: `${task.task_id}:${period}:${seq}`,
      reason: `Task: ${task.name}`,
      actor,
    },
    now,
  );
  await tx
    .insertInto("task_completions")
    .values({
      tenant_id: tenantId,
      completion_id: completionId,
      task_id: task.task_id,
      member_id: input.member_id,
      period_key: period,
      seq,
      event_ref: input.ref,
      points: reward.points,
      coupon_issue_id: reward.coupon_issue_id,
      completed_at: now,
    })
    .execute();
  const completion: Completion = {
    completion_id: completionId,
    task_id: task.task_id,
    task_code: task.code,
    period,
    seq,
    points: reward.points,
    coupon_issue_id: reward.coupon_issue_id,
  };
  await recordEvent(tx, {
    tenantId,
    type: "task.completed",
    subjectId: input.member_id,
    at: now,
    payload: { member_id: input.member_id, event_ref: input.ref, event_type: input.type, ...completion },
  });
  return completion;
}

async function replay(tx: Executor, tenantId: string, input: EventInput): Promise<EventOutcome> {
  const first = await tx
    .selectFrom("engagement_events")
    .select(["member_id", "type", "outcome"])
    .where("tenant_id", "=", tenantId)
    .where("ref", "=", input.ref)
    .executeTakeFirstOrThrow();
  if (first.member_id !== input.member_id || first.type !== input.type)
    throw new Problem("conflict", `ref ${input.ref} was already used for another event`, {
      errors: [{ in: "body", field: "/ref", message: "already used for another event" }],
    });
  const stored = first.outcome as unknown as { completions?: Completion[]; capped?: string[] };
  return {
    ref: input.ref,
    replayed: true,
    completions: stored.completions ?? [],
    capped: stored.capped ?? [],
  };
}

export interface MemberTask {
  task_id: string;
  code: string;
  name: string;
  event_type: string;
  period: TaskPeriod;
  period_key: string;
  events_required: number;
  events: number;
  completions: number;
  max_completions: number;
  reward_points: number;
  reward_coupon: string | null;
  done: boolean;
}

/** A member's active tasks with their progress in the current period (brand-local). */
export async function memberTasks(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<MemberTask[]> {
  const { time_zone } = await getTenant(db, tenantId);
  const tasks = await db
    .selectFrom("engagement_tasks")
    .select(TASK_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("active", "=", true)
    .orderBy("task_id")
    .limit(MAX_TASKS)
    .execute();
  const keys = tasks.map((t) => ({ task: t, period: periodKey(t.period, now, time_zone) }));
  const progress =
    tasks.length === 0
      ? []
      : await db
          .selectFrom("task_progress")
          .select(["task_id", "period_key", "events", "completions"])
          .where("tenant_id", "=", tenantId)
          .where("member_id", "=", memberId)
          .where(
            "task_id",
            "in",
            tasks.map((t) => t.task_id),
          )
          .where("period_key", "in", [...new Set(keys.map((k) => k.period))])
          .execute();
  const byKey = new Map(progress.map((p) => [`${p.task_id}|${p.period_key}`, p]));
  return keys.map(({ task, period }) => {
    const p = byKey.get(`${task.task_id}|${period}`);
    const max = task.period === "once" ? 1 : task.max_completions_per_period;
    const completions = p?.completions ?? 0;
    return {
      task_id: task.task_id,
      code: task.code,
      name: task.name,
      event_type: task.event_type,
      period: task.period,
      period_key: period,
      events_required: task.events_required,
      events: p?.events ?? 0,
      completions,
      max_completions: max,
      reward_points: task.reward_points,
      reward_coupon: task.reward_coupon,
      done: completions >= max,
    };
  });
}
