import { sql } from "kysely";
import { segmentMembers } from "../audience/segments/service.ts";
import { getMember } from "../members/service.ts";
import { getOrgUnit } from "../org/service.ts";
import type { Platform } from "../platform/context.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import type { TaskKind } from "./tables.ts";

/**
 * Progress from real actions, never from a guide saying "done": a member joining with the guide (recruit), a
 * coupon of the task's template issued by store staff to the guide's member (issue_coupons), a logged contact
 * (contact_members). Each subject counts once per task and person, so a re-delivered event changes nothing.
 * A guide's task counts actions attributed to that guide; a store manager's, actions in their store(s).
 */

export interface Action {
  kind: TaskKind;
  /** The member joined, issued to, or contacted. */
  member_id: string;
  /** What counts once: the member (recruit, contact) or the coupon (issue_coupons). */
  subject_id: string;
  /** The guide the action is attributed to, if any. */
  guide_id: string | null;
  /** The store the action happened in (or the member's home store), if any. */
  store_id: string | null;
  /** For coupon actions: the template's code. */
  template_code?: string | undefined;
  at: Date;
}

interface Candidate {
  task_id: string;
  staff_id: string;
  target_per_assignee: number;
  segment_id: string | null;
  reward_points: number | null;
  reward_bonus_minor: number | null;
  done: number;
  completed_at: Date | null;
}

/** Whether a member is in a segment now, asked through the audience service's own scoping. */
async function inSegment(
  tx: Executor,
  tenantId: string,
  segmentId: string,
  memberId: string,
): Promise<boolean> {
  const page = await segmentMembers(
    tx,
    tenantId,
    segmentId,
    { limit: 1, after: undefined },
    {
      kind: "member",
      tenantId,
      memberId,
      sessionId: "staff-task-check",
    },
  );
  return page.items.some((m) => m.member_id === memberId);
}

/** Credits every open task the action counts for; returns how many assignees it moved forward. */
export async function creditAction(tx: Executor, tenantId: string, action: Action): Promise<number> {
  const storePath = action.store_id
    ? ((await getOrgUnit(tx, tenantId, action.store_id).catch(() => undefined))?.path ?? null)
    : null;
  if (!action.guide_id && !storePath) return 0;
  let query = tx
    .selectFrom("staff_task_assignees as a")
    .innerJoin("staff_tasks as t", (join) =>
      join.onRef("t.tenant_id", "=", "a.tenant_id").onRef("t.task_id", "=", "a.task_id"),
    )
    .select([
      "a.task_id",
      "a.staff_id",
      "a.done",
      "a.completed_at",
      "t.target_per_assignee",
      "t.segment_id",
      "t.reward_points",
      "t.reward_bonus_minor",
    ])
    .where("a.tenant_id", "=", tenantId)
    .where("t.kind", "=", action.kind)
    .where("t.status", "=", "open")
    .where("t.starts_at", "<=", action.at)
    .where("t.due_at", ">=", action.at)
    .where((eb) =>
      eb.or([
        ...(action.guide_id
          ? [eb.and([eb("t.assignee_role", "=", "guide"), eb("a.staff_id", "=", action.guide_id)])]
          : []),
        ...(storePath
          ? [
              eb.and([
                eb("t.assignee_role", "=", "store_manager"),
                sql<boolean>`${storePath} LIKE a.org_path || '%'`,
              ]),
            ]
          : []),
      ]),
    );
  if (action.kind === "issue_coupons")
    query = query.where("t.template_code", "=", action.template_code ?? "");
  const candidates: Candidate[] = await query.forUpdate().execute();
  let credited = 0;
  for (const candidate of candidates) {
    if (candidate.segment_id && !(await inSegment(tx, tenantId, candidate.segment_id, action.member_id)))
      continue;
    const inserted = await tx
      .insertInto("staff_task_credits")
      .values({
        tenant_id: tenantId,
        task_id: candidate.task_id,
        staff_id: candidate.staff_id,
        subject_id: action.subject_id,
        member_id: action.member_id,
        at: action.at,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("subject_id")
      .executeTakeFirst();
    if (!inserted) continue;
    credited++;
    const done = candidate.done + 1;
    const completes = candidate.completed_at === null && done >= candidate.target_per_assignee;
    await tx
      .updateTable("staff_task_assignees")
      .set({ done, ...(completes ? { completed_at: action.at } : {}) })
      .where("tenant_id", "=", tenantId)
      .where("task_id", "=", candidate.task_id)
      .where("staff_id", "=", candidate.staff_id)
      .execute();
    if (completes) await reward(tx, tenantId, candidate, action.at);
  }
  return credited;
}

async function reward(tx: Executor, tenantId: string, task: Candidate, at: Date): Promise<void> {
  const points = task.reward_points ?? 0;
  const bonus = task.reward_bonus_minor ?? 0;
  if (points > 0 || bonus > 0) {
    await tx
      .insertInto("staff_rewards")
      .values({
        tenant_id: tenantId,
        task_id: task.task_id,
        staff_id: task.staff_id,
        points,
        bonus_minor: bonus,
        at,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  await recordEvent(tx, {
    tenantId,
    type: "staff_task.completed",
    subjectId: task.staff_id,
    at,
    payload: {
      task_id: task.task_id,
      staff_id: task.staff_id,
      reward_points: points,
      reward_bonus_minor: bonus,
    },
  });
}

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value : null;

export function registerTaskSubscriptions(platform: Platform): void {
  platform.events.subscribe("member.joined", async (event, tx) => {
    const memberId = text(event.payload.member_id);
    if (!memberId || event.payload.imported === true) return;
    await creditAction(tx, event.tenantId, {
      kind: "recruit",
      member_id: memberId,
      subject_id: memberId,
      guide_id: text(event.payload.guide_id),
      store_id: text(event.payload.store_id),
      at: event.occurredAt,
    });
  });

  platform.events.subscribe("channel_code.joined", async (event, tx) => {
    const memberId = text(event.payload.member_id);
    if (!memberId || event.payload.guide_placed_by_code !== true) return;
    await creditAction(tx, event.tenantId, {
      kind: "recruit",
      member_id: memberId,
      subject_id: memberId,
      guide_id: text(event.payload.guide_id),
      store_id: text(event.payload.store_id),
      at: event.occurredAt,
    });
  });

  // Only coupons store staff issued count: a brand-wide bulk issuance by HQ is not the guide's work.
  platform.events.subscribe("coupon.issued", async (event, tx) => {
    const memberId = text(event.payload.member_id);
    const coupons = event.payload.coupons;
    if (!memberId || event.payload.source !== "staff" || !Array.isArray(coupons)) return;
    const member = await getMember(tx, event.tenantId, memberId).catch(() => undefined);
    if (!member) return;
    for (const coupon of coupons as unknown[]) {
      if (typeof coupon !== "object" || coupon === null) continue;
      const { coupon_id, template_code } = coupon as Record<string, unknown>;
      const couponId = text(coupon_id);
      if (!couponId) continue;
      await creditAction(tx, event.tenantId, {
        kind: "issue_coupons",
        member_id: memberId,
        subject_id: couponId,
        guide_id: member.guide_id,
        store_id: member.home_store_id,
        template_code: text(template_code) ?? undefined,
        at: event.occurredAt,
      });
    }
  });
}
