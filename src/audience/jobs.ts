import type { Platform } from "../platform/context.ts";
import { reevaluateDirtyMembers } from "./incremental.ts";
import { fitLtvAllTenants } from "./ltv/service.ts";
import { recomputeAudienceAllTenants } from "./recompute.ts";
import { purgeExpiredTags } from "./tags/tagging.ts";

/**
 * The audience's background work, as functions the composition root schedules (see the wiring in the report and
 * docs/audience.md): the nightly recompute, the minute-by-minute incremental re-evaluation, tag expiry and the
 * LTV fit.
 */

const MAX_PURGE_ROUNDS = 1_000;

/** Nightly: scores, stages, computed tags and segments for everyone; facts only for members marked since. */
export async function recomputeAudienceJob(platform: Platform): Promise<void> {
  await recompute(platform, "changed");
}

/** Weekly: the same with every member's facts rebuilt from the source tables (the safety net for missed events). */
export async function refreshAudienceJob(platform: Platform): Promise<void> {
  await recompute(platform, "full");
}

async function recompute(platform: Platform, facts: "full" | "changed"): Promise<void> {
  const reports = await recomputeAudienceAllTenants(platform.database.db, () => platform.clock.now(), {
    facts,
  });
  for (const report of reports)
    platform.log.info({ audience: { ...report, scores: undefined } }, "audience recomputed");
  platform.events.poke();
}

export async function reevaluateDirtyJob(platform: Platform): Promise<void> {
  const members = await reevaluateDirtyMembers(platform.database.db, () => platform.clock.now());
  if (members > 0) platform.events.poke();
}

export async function purgeExpiredTagsJob(platform: Platform): Promise<void> {
  for (let round = 0; round < MAX_PURGE_ROUNDS; round++) {
    const purged = await platform.database.db
      .transaction()
      .execute((tx) => purgeExpiredTags(tx, platform.clock.now()));
    if (purged === 0) return;
  }
}

export async function fitLtvJob(platform: Platform): Promise<void> {
  const reports = await fitLtvAllTenants(platform.database.db, () => platform.clock.now());
  for (const report of reports) platform.log.info({ ltv: report }, "ltv fitted");
}
