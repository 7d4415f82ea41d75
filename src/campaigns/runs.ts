import { sql } from "kysely";
import type { Db, Executor } from "../platform/db/database.ts";
import { businessRule, Problem } from "../platform/http/problems.ts";
import { getTenant } from "../tenants/service.ts";
import type { SendMessage } from "./actions.ts";
import { audiencePage } from "./audience.ts";
import { type Campaign, endCampaign, getCampaign, toCampaign } from "./campaigns.ts";
import { latestDueMinute, parseCron } from "./cron.ts";
import { type ReachReport, reachMembers } from "./reach.ts";
import { isLive } from "./rules.ts";
import type { RunStatus } from "./tables.ts";

/**
 * Scheduled and calendar campaigns run as passes over their audience. A pass is a row worked a page per transaction,
 * so a large audience never holds one long transaction and a crash resumes after the last page done; the scheduler
 * (every minute) starts the passes that are due and works the unfinished ones.
 */

/** Pages worked per pass of the scheduler job, so one huge audience cannot starve the others. */
const MAX_PAGES_PER_TICK = 200;
const DEFAULT_DATE_HOUR = 10;

export interface Run {
  campaign_id: string;
  run_key: string;
  status: RunStatus;
  considered: number;
  assigned: number;
  started_at: Date;
  finished_at: Date | null;
}

const RUN_COLUMNS = [
  "campaign_id",
  "run_key",
  "status",
  "considered",
  "assigned",
  "started_at",
  "finished_at",
] as const;

/** The cron a schedule or calendar trigger is due by, or undefined for event triggers. */
export function cronOf(campaign: Campaign): string | undefined {
  const trigger = campaign.trigger;
  if (trigger.kind === "schedule") return trigger.cron;
  if (trigger.kind === "date") return `0 ${trigger.at_hour ?? DEFAULT_DATE_HOUR} * * *`;
  return undefined;
}

/** Starts a pass (once per key: a second start of the same key finds the first). */
export async function startRun(
  tx: Executor,
  tenantId: string,
  campaign: Campaign,
  runKey: string,
  now: Date,
): Promise<void> {
  if (campaign.trigger.kind === "event")
    throw businessRule(
      "an event campaign is run by its events; only scheduled and calendar campaigns run passes",
    );
  if (!isLive(campaign, now)) throw businessRule(`a ${campaign.status} campaign does not run`);
  await tx
    .insertInto("campaign_runs")
    .values({
      tenant_id: tenantId,
      campaign_id: campaign.campaign_id,
      run_key: runKey,
      status: "running",
      after_member_id: null,
      started_at: now,
      finished_at: null,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "campaign_id", "run_key"]).doNothing())
    .execute();
}

export async function getRun(
  db: Executor,
  tenantId: string,
  campaignId: string,
  runKey: string,
): Promise<Run> {
  return db
    .selectFrom("campaign_runs")
    .select(RUN_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", campaignId)
    .where("run_key", "=", runKey)
    .executeTakeFirstOrThrow();
}

export async function listRuns(
  db: Executor,
  tenantId: string,
  campaignId: string,
  limit: number,
): Promise<Run[]> {
  return db
    .selectFrom("campaign_runs")
    .select(RUN_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", campaignId)
    .orderBy("started_at", "desc")
    .limit(limit)
    .execute();
}

/** Works one page of a pass in its own transaction; false when the pass is finished (or was never running). */
async function workPage(
  db: Db,
  tenantId: string,
  campaignId: string,
  runKey: string,
  now: () => Date,
  sendMessage: SendMessage | undefined,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const run = await tx
      .selectFrom("campaign_runs")
      .select(["status", "after_member_id"])
      .where("tenant_id", "=", tenantId)
      .where("campaign_id", "=", campaignId)
      .where("run_key", "=", runKey)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!run || run.status !== "running") return false;
    const at = now();
    const campaign = await getCampaign(tx, tenantId, campaignId);
    const finish = async (status: RunStatus) => {
      await tx
        .updateTable("campaign_runs")
        .set({ status, finished_at: at })
        .where("tenant_id", "=", tenantId)
        .where("campaign_id", "=", campaignId)
        .where("run_key", "=", runKey)
        .execute();
      return false;
    };
    // Paused, ended (or its budget spent) mid-pass: the pass stops where it is.
    if (!isLive(campaign, at)) return finish("stopped");
    const page = await audiencePage(tx, tenantId, campaign, runKey, run.after_member_id ?? undefined, at);
    let report: ReachReport;
    try {
      report = await reachMembers(tx, tenantId, campaign, page.candidates, at, sendMessage);
    } catch (error) {
      // A business rule broken by something changed since the campaign was saved would fail this page on every
      // retry: the pass stops instead (what was done on this page stands). Problems come before any failed statement.
      if (error instanceof Problem) return finish("stopped");
      throw error;
    }
    await tx
      .updateTable("campaign_runs")
      .set((eb) => ({
        after_member_id: page.last ?? run.after_member_id,
        considered: eb("considered", "+", page.candidates.length),
        assigned: eb("assigned", "+", report.assigned),
      }))
      .where("tenant_id", "=", tenantId)
      .where("campaign_id", "=", campaignId)
      .where("run_key", "=", runKey)
      .execute();
    if (report.budget_spent) return finish("stopped");
    if (!page.more) return finish("done");
    return true;
  });
}

/** Works a pass to its end (or `maxPages`); returns whether it is still unfinished. */
export async function workRun(
  db: Db,
  tenantId: string,
  campaignId: string,
  runKey: string,
  now: () => Date,
  sendMessage: SendMessage | undefined,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<boolean> {
  for (let page = 0; page < maxPages; page++) {
    if (!(await workPage(db, tenantId, campaignId, runKey, now, sendMessage))) return false;
  }
  return true;
}

export interface SchedulerReport {
  started: number;
  pages: number;
  ended: number;
}

/**
 * The minutely scheduler, for every brand: ends campaigns past their end, activates scheduled ones whose start came,
 * starts the passes of schedules due since they were last looked at (the latest due minute once, however long the
 * process was down), and works unfinished passes.
 */
export async function runScheduler(
  db: Db,
  now: () => Date,
  sendMessage: SendMessage | undefined,
): Promise<SchedulerReport> {
  const report: SchedulerReport = { started: 0, pages: 0, ended: 0 };
  const at = now();
  const over = await db
    .selectFrom("campaigns")
    .select(["tenant_id", "campaign_id"])
    .where("status", "in", ["scheduled", "active", "paused"])
    .where("ends_at", "<=", at)
    .execute();
  for (const campaign of over) {
    const ended = await db
      .transaction()
      .execute((tx) => endCampaign(tx, campaign.tenant_id, campaign.campaign_id, "ends_at_passed", at));
    if (ended) report.ended++;
  }
  await sql`UPDATE campaigns SET status = 'active', updated_at = ${at}
    WHERE status = 'scheduled' AND starts_at <= ${at}`.execute(db);

  const live = await db
    .selectFrom("campaigns")
    .selectAll()
    .where("status", "=", "active")
    .where((eb) => eb(eb.ref("trigger", "->>").key("kind"), "in", ["schedule", "date"]))
    .execute();
  for (const row of live) {
    const campaign = toCampaign(row);
    const cron = parseCron(cronOf(campaign) ?? "");
    if (typeof cron === "string") continue;
    const { time_zone } = await getTenant(db, row.tenant_id);
    // Minutes before the start do not count: a campaign launched ahead of its start does not catch up on them.
    const looked = campaign.scheduled_through ?? campaign.launched_at ?? at;
    const since =
      campaign.starts_at !== null && campaign.starts_at > looked
        ? new Date(campaign.starts_at.getTime() - 1)
        : looked;
    const due = latestDueMinute(cron, since, at, time_zone);
    await db.transaction().execute(async (tx) => {
      // Claims the minutes looked at, so two processes never start the same pass twice.
      const claimed = await tx
        .updateTable("campaigns")
        .set({ scheduled_through: at })
        .where("tenant_id", "=", row.tenant_id)
        .where("campaign_id", "=", row.campaign_id)
        .where((eb) =>
          campaign.scheduled_through === null
            ? eb("scheduled_through", "is", null)
            : eb("scheduled_through", "=", campaign.scheduled_through),
        )
        .returning("campaign_id")
        .executeTakeFirst();
      if (!claimed || !due) return;
      await startRun(tx, row.tenant_id, campaign, due.toISOString(), at);
      report.started++;
    });
  }

  const running = await db
    .selectFrom("campaign_runs")
    .select(["tenant_id", "campaign_id", "run_key"])
    .where("status", "=", "running")
    .orderBy("started_at")
    .limit(100)
    .execute();
  for (const run of running) {
    for (let page = 0; page < MAX_PAGES_PER_TICK; page++) {
      report.pages++;
      if (!(await workPage(db, run.tenant_id, run.campaign_id, run.run_key, now, sendMessage))) break;
    }
  }
  return report;
}
