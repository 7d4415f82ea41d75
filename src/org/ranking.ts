/**
 * Guide rankings, pure: competition ranking ("1, 1, 3") by a measure, highest first, within groups
 * (a store, a region). Ties share a rank; the order among tied guides is by id so pages are stable.
 */

export interface Ranked {
  staff_id: string;
  value: number;
}

/** Rank of each guide within its group, by `value` descending. */
export function rankWithin<T extends Ranked>(
  rows: readonly T[],
  groupOf: (row: T) => string | null,
): Map<string, number> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groupOf(row);
    if (group === null) continue;
    groups.set(group, [...(groups.get(group) ?? []), row]);
  }
  const ranks = new Map<string, number>();
  for (const members of groups.values()) {
    const sorted = [...members].sort((a, b) => b.value - a.value || a.staff_id.localeCompare(b.staff_id));
    sorted.forEach((row, i) => {
      const previous = sorted[i - 1];
      const rank = previous && previous.value === row.value ? (ranks.get(previous.staff_id) ?? i + 1) : i + 1;
      ranks.set(row.staff_id, rank);
    });
  }
  return ranks;
}

/** The deepest unit of `kind` on a path "/ou_a/ou_b/ou_c/", given each unit's kind. */
export function ancestorOfKind(
  path: string,
  kinds: ReadonlyMap<string, string>,
  kind: string,
): string | null {
  const ids = path.split("/").filter((id) => id.length > 0);
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i];
    if (id !== undefined && kinds.get(id) === kind) return id;
  }
  return null;
}
