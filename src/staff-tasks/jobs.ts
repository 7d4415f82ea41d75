import type { Platform } from "../platform/context.ts";
import { remindLaggards } from "./actions.ts";
import { getTask } from "./service.ts";

/** Tasks reminded per run; the rest wait for the next day's run. */
const TASKS_PER_RUN = 1_000;

/**
 * Every morning, each running task reminds its laggards (as HQ would by hand). The hourly throttle per assignee
 * keeps this from doubling a reminder a manager just sent.
 */
export async function remindAllLaggards(platform: Platform): Promise<number> {
  const { db } = platform.database;
  const now = platform.clock.now();
  const running = await db
    .selectFrom("staff_tasks")
    .select(["tenant_id", "task_id"])
    .where("status", "=", "open")
    .where("starts_at", "<=", now)
    .where("due_at", ">=", now)
    .orderBy("due_at")
    .limit(TASKS_PER_RUN)
    .execute();
  let reminded = 0;
  for (const { tenant_id, task_id } of running) {
    const principal = { kind: "system", tenantId: tenant_id, actor: "staff-tasks.remind" } as const;
    reminded += await db.transaction().execute(async (tx) => {
      const task = await getTask(tx, tenant_id, task_id, principal);
      return (await remindLaggards(tx, tenant_id, task, principal, now)).length;
    });
  }
  if (reminded > 0) platform.events.poke();
  return reminded;
}

export function defineTaskJobs(platform: Platform): void {
  // 09:30 in China (UTC+8), before the stores open.
  platform.jobs.define("staff-tasks.remind-laggards", async () => void (await remindAllLaggards(platform)), {
    cron: "30 1 * * *",
  });
}
