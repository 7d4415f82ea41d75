import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isLagging, rollUp, totalsOf } from "./rules.ts";

const units = [
  { org_unit_id: "hq", parent_id: null, kind: "hq", name: "HQ", path: "/hq/" },
  { org_unit_id: "north", parent_id: "hq", kind: "region", name: "North", path: "/hq/north/" },
  { org_unit_id: "s1", parent_id: "north", kind: "store", name: "S1", path: "/hq/north/s1/" },
  { org_unit_id: "s2", parent_id: "north", kind: "store", name: "S2", path: "/hq/north/s2/" },
  { org_unit_id: "s3", parent_id: "hq", kind: "store", name: "S3", path: "/hq/s3/" },
];

describe("task roll-up", () => {
  it("caps each assignee at the target, so over-achievers do not hide laggards", () => {
    const totals = totalsOf(
      [
        { staff_id: "a", org_path: "/hq/north/s1/", done: 9, completed: true },
        { staff_id: "b", org_path: "/hq/north/s1/", done: 0, completed: false },
      ],
      3,
    );
    expect(totals).toEqual({ assignees: 2, completed: 1, done: 3, target: 6, rate: 0.5 });
  });

  it("makes every unit's figures the sum of its children's and its own assignees'", () => {
    const assignee = fc.record({
      staff_id: fc.uuid(),
      org_path: fc.constantFrom("/hq/north/s1/", "/hq/north/s2/", "/hq/s3/", "/hq/north/"),
      done: fc.integer({ min: 0, max: 10 }),
      completed: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(assignee, { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (assignees, target) => {
          const progress = rollUp(units, assignees, target);
          const byId = new Map(progress.map((p) => [p.org_unit_id, p]));
          for (const unit of progress) {
            const children = progress.filter((p) => p.parent_id === unit.org_unit_id);
            const own = assignees.filter(
              (a) => a.org_path === units.find((u) => u.org_unit_id === unit.org_unit_id)?.path,
            );
            const ownTotals = totalsOf(own, target);
            expect(unit.done).toBe(children.reduce((s, c) => s + c.done, ownTotals.done));
            expect(unit.target).toBe(children.reduce((s, c) => s + c.target, ownTotals.target));
            expect(unit.assignees).toBe(children.reduce((s, c) => s + c.assignees, ownTotals.assignees));
          }
          expect(byId.get("hq")?.assignees ?? 0).toBe(assignees.length);
        },
      ),
    );
  });
});

describe("laggards", () => {
  const task = {
    starts_at: new Date("2026-03-01T00:00:00Z"),
    due_at: new Date("2026-03-11T00:00:00Z"),
    target_per_assignee: 10,
  };
  it("is behind when less is done than the time spent asks for", () => {
    const halfway = new Date("2026-03-06T00:00:00Z");
    expect(isLagging({ done: 4, completed: false }, task, halfway)).toBe(true);
    expect(isLagging({ done: 5, completed: false }, task, halfway)).toBe(false);
  });
  it("never calls a completed assignee lagging, and everyone unfinished lags at the deadline", () => {
    const after = new Date("2026-03-12T00:00:00Z");
    expect(isLagging({ done: 10, completed: true }, task, after)).toBe(false);
    expect(isLagging({ done: 9, completed: false }, task, after)).toBe(true);
    expect(isLagging({ done: 0, completed: false }, task, task.starts_at)).toBe(false);
  });
});
