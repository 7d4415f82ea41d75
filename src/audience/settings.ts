import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import type { Executor } from "../platform/db/database.ts";
import { businessRule } from "../platform/http/problems.ts";

/** A brand's audience settings: the RFM window, the lifecycle thresholds and what makes a member important. */

const Days = (description: string, fallback: number) =>
  Type.Integer({ minimum: 1, maximum: 3_650, default: fallback, description });
const Score = (description: string, fallback: number) =>
  Type.Integer({ minimum: 1, maximum: 5, default: fallback, description });

export const StageThresholdsSchema = Type.Object(
  {
    new_days: Days("A member whose first purchase is at most this many days old is new", 30),
    silent_days: Days("No purchase for this many days: silent", 90),
    lost_days: Days("No purchase for this many days: lost", 180),
  },
  { additionalProperties: false },
);

export const ImportanceSchema = Type.Object(
  {
    min_r_score: Score("Lowest recency score of an important member", 1),
    min_f_score: Score("Lowest frequency score of an important member", 1),
    min_m_score: Score("Lowest monetary score of an important member (4: the top two quintiles by spend)", 4),
  },
  { additionalProperties: false, description: "An important member meets all three RFM thresholds" },
);

export const AudienceSettingsSchema = Type.Object(
  {
    rfm_window_days: Type.Integer({
      minimum: 7,
      maximum: 3_650,
      default: 365,
      description: "Frequency and monetary value count purchases within this many days",
    }),
    stages: StageThresholdsSchema,
    important: ImportanceSchema,
  },
  { additionalProperties: false },
);

export type AudienceSettings = Static<typeof AudienceSettingsSchema>;
export type StageThresholds = Static<typeof StageThresholdsSchema>;
export type Importance = Static<typeof ImportanceSchema>;

export const AudienceSettingsPatch = Type.Object(
  {
    rfm_window_days: Type.Optional(AudienceSettingsSchema.properties.rfm_window_days),
    stages: Type.Optional(Type.Partial(StageThresholdsSchema, { additionalProperties: false })),
    important: Type.Optional(Type.Partial(ImportanceSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type AudienceSettingsPatchInput = Static<typeof AudienceSettingsPatch>;

export const DEFAULT_AUDIENCE_SETTINGS: AudienceSettings = {
  rfm_window_days: 365,
  stages: { new_days: 30, silent_days: 90, lost_days: 180 },
  important: { min_r_score: 1, min_f_score: 1, min_m_score: 4 },
};

/** Thresholds must order the stages: a new member cannot already be silent, and silence comes before loss. */
export function thresholdProblem(stages: StageThresholds): { field: string; detail: string } | undefined {
  if (stages.new_days > stages.silent_days) {
    return {
      field: "/stages/new_days",
      detail: "new_days must not exceed silent_days: a new member would already be silent",
    };
  }
  if (stages.silent_days >= stages.lost_days) {
    return { field: "/stages/silent_days", detail: "silent_days must be below lost_days" };
  }
  return undefined;
}

// Read on every incremental re-evaluation; changed rarely. Other processes see a change within the TTL.
const cache = new TtlCache<AudienceSettings>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

export async function getAudienceSettings(db: Executor, tenantId: string): Promise<AudienceSettings> {
  return cache.get(tenantId, () => loadAudienceSettings(db, tenantId));
}

async function loadAudienceSettings(db: Executor, tenantId: string): Promise<AudienceSettings> {
  const row = await db
    .selectFrom("audience_settings")
    .select("settings")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  if (!row) return DEFAULT_AUDIENCE_SETTINGS;
  // Rows written before a setting existed lack it: defaults fill them.
  const stored = row.settings as Partial<AudienceSettings>;
  return Value.Parse(AudienceSettingsSchema, {
    ...DEFAULT_AUDIENCE_SETTINGS,
    ...stored,
    stages: { ...DEFAULT_AUDIENCE_SETTINGS.stages, ...stored.stages },
    important: { ...DEFAULT_AUDIENCE_SETTINGS.important, ...stored.important },
  });
}

export async function updateAudienceSettings(
  tx: Executor,
  tenantId: string,
  patch: AudienceSettingsPatchInput,
  now: Date,
): Promise<AudienceSettings> {
  const current = await loadAudienceSettings(tx, tenantId);
  const next: AudienceSettings = {
    rfm_window_days: patch.rfm_window_days ?? current.rfm_window_days,
    stages: { ...current.stages, ...patch.stages },
    important: { ...current.important, ...patch.important },
  };
  const problem = thresholdProblem(next.stages);
  if (problem) throw businessRule(problem.detail, problem.field);
  await tx
    .insertInto("audience_settings")
    .values({ tenant_id: tenantId, settings: JSON.stringify(next), updated_at: now })
    .onConflict((oc) =>
      oc.column("tenant_id").doUpdateSet({ settings: JSON.stringify(next), updated_at: now }),
    )
    .execute();
  cache.delete(tenantId);
  return next;
}
