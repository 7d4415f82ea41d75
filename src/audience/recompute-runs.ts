import type { Selectable, Updateable } from "kysely";
import type { Logger } from "pino";
import type { Db } from "../platform/db/database.ts";
import { notFound } from "../platform/http/problems.ts";
import { audienceId } from "./ids.ts";
import { RECOMPUTE_PHASES, recomputeAudience, type RecomputeReport } from "./recompute.ts";
import type { AudienceRecomputeRunsTable, RecomputePhase } from "./tables.ts";

/**
 * A recompute started in the background, so that a console can show how far it is: the run's row says which
 * phase is under way, and each phase's share of the time comes from the brand's last finished run (a first run
 * counts the phases alike). The work itself is the same `recomputeAudience`, in the process that started it.
 *
 * A process that dies mid-run leaves its row `running`; the next run started for the brand marks such a row
 * (untouched for `STALE_AFTER_MS`) failed as interrupted.
 */

const STALE_AFTER_MS = 30 * 60_000;

export interface RecomputeRun {
  run_id: string;
  status: "running" | "succeeded" | "failed";
  facts: "full" | "changed";
  phase: RecomputePhase | null;
  phases_done: number;
  /** 0–100: the finished phases' share of the time, by the weights. */
  percent: number;
  report: Record<string, unknown> | null;
  error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** Each phase's share of the time (summing to 1), from a finished run's report; alike when there is none. */
export function phaseWeights(phasesMs: Partial<Record<RecomputePhase, number>> | undefined) {
  const total = RECOMPUTE_PHASES.reduce((sum, p) => sum + Math.max(0, phasesMs?.[p] ?? 0), 0);
  return Object.fromEntries(
    RECOMPUTE_PHASES.map((p) => [
      p,
      total > 0 ? Math.max(0, phasesMs?.[p] ?? 0) / total : 1 / RECOMPUTE_PHASES.length,
    ]),
  ) as Record<RecomputePhase, number>;
}

/** How far a run is, 0–100: the weights of the phases done; 100 only once it has succeeded. */
export function runPercent(
  run: { status: RecomputeRun["status"]; phases_done: number },
  weights: Record<RecomputePhase, number>,
): number {
  if (run.status === "succeeded") return 100;
  const done = RECOMPUTE_PHASES.slice(0, run.phases_done).reduce((sum, p) => sum + weights[p], 0);
  return Math.min(99, Math.floor(done * 100));
}

const COLUMNS = [
  "run_id",
  "status",
  "facts",
  "phase",
  "phases_done",
  "weights",
  "report",
  "error",
  "started_at",
  "updated_at",
  "finished_at",
] as const;

type RunRow = Omit<Selectable<AudienceRecomputeRunsTable>, "tenant_id" | "requested_by">;

type RunUpdate = Updateable<AudienceRecomputeRunsTable>;

function toRun({ weights, ...row }: RunRow): RecomputeRun {
  return { ...row, percent: runPercent(row, weights) };
}

/** Starts a run and returns it at once; the recompute goes on in this process. */
export async function startRecomputeRun(
  db: Db,
  log: Logger,
  tenantId: string,
  input: { facts: "full" | "changed"; requestedBy: string },
  clock: () => Date,
  /** Told when the run has ended, either way (tests wait on it; the routes poke the event relay). */
  onEnd: (run: RecomputeRun) => void = () => {},
): Promise<RecomputeRun> {
  const now = clock();
  await db
    .updateTable("audience_recompute_runs")
    .set({ status: "failed", error: "interrupted: its process stopped", finished_at: now, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "running")
    .where("updated_at", "<", new Date(now.getTime() - STALE_AFTER_MS))
    .execute();
  const running = await db
    .selectFrom("audience_recompute_runs")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "running")
    .orderBy("started_at", "desc")
    .limit(1)
    .executeTakeFirst();
  // One at a time per brand: asking again while one runs answers with that one.
  if (running) return toRun(running);
  const last = await db
    .selectFrom("audience_recompute_runs")
    .select("report")
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "succeeded")
    .orderBy("started_at", "desc")
    .limit(1)
    .executeTakeFirst();
  const lastPhases = (last?.report as { phases_ms?: Record<RecomputePhase, number> } | undefined)?.phases_ms;
  const runId = audienceId("recomputeRun");
  const row = await db
    .insertInto("audience_recompute_runs")
    .values({
      tenant_id: tenantId,
      run_id: runId,
      status: "running",
      facts: input.facts,
      phase: null,
      weights: JSON.stringify(phaseWeights(lastPhases)),
      requested_by: input.requestedBy,
      started_at: now,
      updated_at: now,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();

  // Progress writes go one after another on their own connections, never inside the recompute's transaction.
  let writes = Promise.resolve();
  const write = (values: RunUpdate) => {
    const next = writes.then(async () => {
      await db
        .updateTable("audience_recompute_runs")
        .set(values)
        .where("tenant_id", "=", tenantId)
        .where("run_id", "=", runId)
        .execute();
    });
    writes = next.catch(() => undefined); // one failed write does not stop the ones after it
    return next;
  };
  // Never throws: nothing awaits the run, and a database gone away (a shutdown) must not become an unhandled error.
  const finish = async (values: RunUpdate) => {
    try {
      await write(values);
      onEnd(await getRecomputeRun(db, tenantId, runId));
    } catch (error) {
      log.error({ err: error, run_id: runId }, "recompute run's end not recorded");
    }
  };
  void recomputeAudience(db, tenantId, now, {
    facts: input.facts,
    onPhase: (phase, done) =>
      void write({ phase, phases_done: done, updated_at: clock() }).catch((error: unknown) =>
        log.warn({ err: error, run_id: runId }, "recompute progress not recorded"),
      ),
  }).then(
    (report: RecomputeReport) =>
      finish({
        status: "succeeded",
        phase: null,
        phases_done: RECOMPUTE_PHASES.length,
        report: JSON.stringify(report),
        finished_at: clock(),
        updated_at: clock(),
      }),
    (error: unknown) => {
      log.error({ err: error, run_id: runId, tenant_id: tenantId }, "audience recompute failed");
      return finish({
        status: "failed",
        error: error instanceof Error ? error.message : String(error),
        finished_at: clock(),
        updated_at: clock(),
      });
    },
  );
  return toRun(row);
}

export async function getRecomputeRun(db: Db, tenantId: string, runId: string): Promise<RecomputeRun> {
  const row = await db
    .selectFrom("audience_recompute_runs")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("run_id", "=", runId)
    .executeTakeFirst();
  if (!row) throw notFound("recompute run", runId);
  return toRun(row);
}

/** The brand's latest runs, newest first. */
export async function listRecomputeRuns(db: Db, tenantId: string, limit: number): Promise<RecomputeRun[]> {
  const rows = await db
    .selectFrom("audience_recompute_runs")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .orderBy("started_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => toRun(row));
}
