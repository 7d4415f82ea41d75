import { DateTime } from "luxon";
import type { TaskPeriod } from "../tables.ts";

/** Tasks as pure decisions: which period an event falls in, and whether it completes the task again. */

/** What integrators report. Each is a thing a member did that a brand rewards (the seeds' engagement list). */
export const ENGAGEMENT_EVENT_TYPES = [
  "article_read",
  "review_posted",
  "item_favourited",
  "share",
  "live_subscribed",
  "group_chat_active",
  "profile_completed",
] as const;
export type EngagementEventType = (typeof ENGAGEMENT_EVENT_TYPES)[number];

/** The period an instant belongs to, in the brand's zone: a day (YYYY-MM-DD), an ISO week (2026-W45), or "once". */
export function periodKey(period: TaskPeriod, at: Date, timeZone: string): string {
  if (period === "once") return "once";
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (period === "daily") return local.toISODate() ?? "";
  return `${local.weekYear}-W${String(local.weekNumber).padStart(2, "0")}`;
}

export interface TaskRule {
  period: TaskPeriod;
  events_required: number;
  max_completions_per_period: number;
}

/** The most completions a period allows: a one-off task completes once, whatever its cap says. */
export function capOf(task: TaskRule): number {
  return task.period === "once" ? 1 : task.max_completions_per_period;
}

/**
 * After the period's `events` (this one included) and `completions` so far: whether this event completes the task
 * once more. Every `events_required` events complete it once, up to the period's cap; events past the cap count
 * but pay nothing.
 */
export function completesAgain(task: TaskRule, events: number, completions: number): boolean {
  const earned = Math.min(Math.floor(events / task.events_required), capOf(task));
  return earned > completions;
}
