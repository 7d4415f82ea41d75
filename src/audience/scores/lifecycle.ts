import type { StageThresholds } from "../settings.ts";
import type { Stage } from "../tables.ts";

/**
 * The lifecycle stage, pure: the seeds' treatment depends on it (newcomer offers for new members, reminders for
 * silent ones, recall campaigns for lost ones). Days are 24-hour periods before `now`, inclusive at the cutoff: a
 * member whose last purchase was exactly `silent_days` ago is silent.
 */

const DAY_MS = 86_400_000;

export interface PurchaseHistory {
  orders_count: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
}

/** The instants the stage rules compare with; the SQL back end uses the same ones. */
export function stageCutoffs(now: Date, stages: StageThresholds) {
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  return {
    new_since: ago(stages.new_days),
    silent_at: ago(stages.silent_days),
    lost_at: ago(stages.lost_days),
  };
}

export function stageOf(history: PurchaseHistory, now: Date, stages: StageThresholds): Stage {
  if (history.orders_count === 0 || history.last_order_at === null || history.first_order_at === null)
    return "prospect";
  const cutoffs = stageCutoffs(now, stages);
  if (history.last_order_at.getTime() <= cutoffs.lost_at.getTime()) return "lost";
  if (history.last_order_at.getTime() <= cutoffs.silent_at.getTime()) return "silent";
  if (history.first_order_at.getTime() >= cutoffs.new_since.getTime()) return "new";
  return "active";
}

export function recencyDays(lastOrderAt: Date, now: Date): number {
  return Math.floor((now.getTime() - lastOrderAt.getTime()) / DAY_MS);
}
