import { sql } from "kysely";
import type { Db, Executor } from "../platform/db/database.ts";
import { listTenants } from "../tenants/service.ts";
import { flushChangeLog, openChangeLog } from "./changes.ts";
import { refreshFacts } from "./facts.ts";
import { recomputeScores, type ScoresReport } from "./scores/recompute.ts";
import { recomputeSegments, type SegmentsReport } from "./segments/membership.ts";
import { getAudienceSettings } from "./settings.ts";
import { recomputeComputedTags, type ComputedTagsReport } from "./tags/computed.ts";
import { forgetMembers } from "./forget.ts";
import type { RecomputePhase } from "./tables.ts";

/**
 * The batch recompute of one brand: facts, RFM and stages, rule and product tags, every segment, in that order
 * (each step reads what the one before wrote), in one transaction so that a failure leaves the last good state.
 * Everything is set-based SQL; the application only drives the steps and writes the events of what changed.
 */

export interface RecomputeReport {
  tenant_id: string;
  members: number;
  departed: number;
  facts: "full" | "changed";
  scores: ScoresReport;
  tags: ComputedTagsReport;
  segments: SegmentsReport;
  events: number;
  duration_ms: number;
  /** Where the time went: facts, scores (RFM and stages), computed tags, segments, events. */
  phases_ms: { facts: number; scores: number; tags: number; segments: number; events: number };
}

const BATCH_WORK_MEM = "128MB";

/** Serialises recomputes of one brand across processes; held to the end of the transaction. */
export async function lockTenantAudience(tx: Executor, tenantId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`audience:${tenantId}`}))`.execute(tx);
}

export interface RecomputeOptions {
  /**
   * full: rebuild every member's facts from orders, balances and tiers (weekly, after imports, the first time);
   * changed: only members marked by events since (facts are time-independent, so nobody else's can be stale).
   * A brand without any facts yet is always rebuilt in full.
   */
  facts?: "full" | "changed";
  /**
   * Told as each phase begins, with how many are done (a run's progress). Not awaited: whatever it writes goes
   * outside this transaction, and on the embedded database's one connection it could only run after it.
   */
  onPhase?: (phase: RecomputePhase, done: number) => void;
}

export const RECOMPUTE_PHASES: readonly RecomputePhase[] = ["facts", "scores", "tags", "segments", "events"];

export async function recomputeAudience(
  db: Db,
  tenantId: string,
  now: Date,
  options: RecomputeOptions = {},
): Promise<RecomputeReport> {
  const started = performance.now();
  return db.transaction().execute(async (tx) => {
    await lockTenantAudience(tx, tenantId);
    // One connection doing large hash joins and aggregates: more memory per operation keeps them off disk.
    // JIT compiles every large statement anew (100–200 ms each) and these are hash joins and scans it cannot speed up.
    await sql`SELECT set_config('work_mem', ${BATCH_WORK_MEM}, true), set_config('jit', 'off', true)`.execute(
      tx,
    );
    await openChangeLog(tx);
    const settings = await getAudienceSettings(tx, tenantId);
    let mark = performance.now();
    const lap = () => {
      const elapsed = Math.round(performance.now() - mark);
      mark = performance.now();
      return elapsed;
    };
    const anyFacts = await tx
      .selectFrom("audience_member_facts")
      .select("member_id")
      .where("tenant_id", "=", tenantId)
      .limit(1)
      .executeTakeFirst();
    const full = options.facts !== "changed" || anyFacts === undefined;
    const phase = (name: RecomputePhase) => options.onPhase?.(name, RECOMPUTE_PHASES.indexOf(name));
    phase("facts");
    const departed = await refreshFacts(tx, tenantId, full ? { all: true } : { marked: true }, now);
    await forgetMembers(tx, tenantId, departed);
    const factsMs = lap();
    phase("scores");
    const scores = await recomputeScores(tx, tenantId, settings, now);
    const scoresMs = lap();
    phase("tags");
    // Scene, first-purchase and repurchase tags change only with a member's events; "used up" and rules move with time.
    const tags = await recomputeComputedTags(
      tx,
      tenantId,
      { all: true },
      now,
      undefined,
      undefined,
      full ? undefined : { marked: true },
    );
    const tagsMs = lap();
    phase("segments");
    const segments = await recomputeSegments(tx, tenantId, now);
    const segmentsMs = lap();
    phase("events");
    const events = await flushChangeLog(tx, tenantId, now);
    const eventsMs = lap();
    // Whatever was marked before this run started is now current; marks made since stay for the incremental job.
    await tx
      .deleteFrom("audience_dirty_members")
      .where("tenant_id", "=", tenantId)
      .where("marked_at", "<=", now)
      .execute();
    return {
      tenant_id: tenantId,
      members: scores.members,
      departed: departed.length,
      facts: full ? "full" : "changed",
      scores,
      tags,
      segments,
      events,
      duration_ms: Math.round(performance.now() - started),
      phases_ms: { facts: factsMs, scores: scoresMs, tags: tagsMs, segments: segmentsMs, events: eventsMs },
    };
  });
}

/** The nightly (facts: changed) and weekly (facts: full) jobs: every brand in turn, each in its own transaction. */
export async function recomputeAudienceAllTenants(
  db: Db,
  now: () => Date,
  options: RecomputeOptions = {},
): Promise<RecomputeReport[]> {
  const reports: RecomputeReport[] = [];
  for (const tenant of await listTenants(db)) {
    reports.push(await recomputeAudience(db, tenant.tenant_id, now(), options));
  }
  return reports;
}
