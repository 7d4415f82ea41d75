/**
 * Task progress, pure. Each assignee's progress is capped at their target (over-achieving in one store does not
 * hide a lagging one), and each org unit's figures are the sums over the assignees sitting at or below it, so a
 * region's numbers always equal the sum of its stores'.
 */

export interface AssigneeProgress {
  staff_id: string;
  org_path: string;
  done: number;
  completed: boolean;
}

export interface UnitRef {
  org_unit_id: string;
  parent_id: string | null;
  kind: string;
  name: string;
  path: string;
}

export interface Totals {
  assignees: number;
  completed: number;
  /** Actions counted, each assignee's capped at the target. */
  done: number;
  target: number;
  /** done / target, 0..1, four decimals. */
  rate: number;
}

export interface UnitProgress extends Totals {
  org_unit_id: string;
  parent_id: string | null;
  kind: string;
  name: string;
}

export function totalsOf(assignees: readonly AssigneeProgress[], targetPerAssignee: number): Totals {
  const done = assignees.reduce((sum, a) => sum + Math.min(a.done, targetPerAssignee), 0);
  const target = assignees.length * targetPerAssignee;
  return {
    assignees: assignees.length,
    completed: assignees.filter((a) => a.completed).length,
    done,
    target,
    rate: target === 0 ? 0 : Math.round((done / target) * 10_000) / 10_000,
  };
}

/** Figures for each unit that has assignees at or below it, tree order (by path). */
export function rollUp(
  units: readonly UnitRef[],
  assignees: readonly AssigneeProgress[],
  targetPerAssignee: number,
): UnitProgress[] {
  return [...units]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((unit) => ({
      org_unit_id: unit.org_unit_id,
      parent_id: unit.parent_id,
      kind: unit.kind,
      name: unit.name,
      ...totalsOf(
        assignees.filter((a) => a.org_path.startsWith(unit.path)),
        targetPerAssignee,
      ),
    }))
    .filter((u) => u.assignees > 0);
}

/**
 * Behind pace: less done than the share of the task's time already spent asks for (rounded up), or not complete
 * at the deadline. Completed assignees are never lagging.
 */
export function isLagging(
  assignee: { done: number; completed: boolean },
  task: { starts_at: Date; due_at: Date; target_per_assignee: number },
  now: Date,
): boolean {
  if (assignee.completed) return false;
  const span = task.due_at.getTime() - task.starts_at.getTime();
  const elapsed = Math.min(Math.max(now.getTime() - task.starts_at.getTime(), 0), span);
  const expected = Math.ceil((task.target_per_assignee * elapsed) / span);
  return assignee.done < expected;
}

/** Whether an action at `at` counts for a task open from starts_at to due_at. */
export function countsAt(task: { starts_at: Date; due_at: Date; status: string }, at: Date): boolean {
  return task.status === "open" && at >= task.starts_at && at <= task.due_at;
}
