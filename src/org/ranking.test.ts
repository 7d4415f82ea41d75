import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ancestorOfKind, rankWithin } from "./ranking.ts";

describe("guide ranking", () => {
  it("ranks within each group, highest first, ties sharing a rank", () => {
    const rows = [
      { staff_id: "a", value: 10, store: "s1" },
      { staff_id: "b", value: 30, store: "s1" },
      { staff_id: "c", value: 10, store: "s1" },
      { staff_id: "d", value: 5, store: "s1" },
      { staff_id: "e", value: 1, store: "s2" },
    ];
    const ranks = rankWithin(rows, (r) => r.store);
    expect(Object.fromEntries(ranks)).toEqual({ b: 1, a: 2, c: 2, d: 4, e: 1 });
  });

  it("gives rank 1 to every guide with the group's best value, and ranks never exceed the group size", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 30 }), (values) => {
        const rows = values.map((value, i) => ({ staff_id: `g${String(i).padStart(2, "0")}`, value }));
        const ranks = rankWithin(rows, () => "store");
        const best = Math.max(...values);
        for (const row of rows) {
          const rank = ranks.get(row.staff_id) ?? 0;
          expect(rank === 1).toBe(row.value === best);
          expect(rank).toBeLessThanOrEqual(rows.length);
          // A guide's rank is one more than the number of guides strictly ahead.
          expect(rank).toBe(rows.filter((r) => r.value > row.value).length + 1);
        }
      }),
    );
  });

  it("finds the nearest region on a path", () => {
    const kinds = new Map([
      ["hq", "hq"],
      ["north", "region"],
      ["beijing", "region"],
      ["s1", "store"],
    ]);
    expect(ancestorOfKind("/hq/north/beijing/s1/", kinds, "region")).toBe("beijing");
    expect(ancestorOfKind("/hq/s1/", kinds, "region")).toBeNull();
  });
});
