import { describe, expect, it } from "vitest";
import { GroupCommitter } from "./group-commit.ts";

class ItemError extends Error {}

function committer(options: { failGroupsWith?: Error; badItem?: number } = {}) {
  const groups: number[][] = [];
  const singles: number[] = [];
  const c = new GroupCommitter<number, string>({
    writeGroup: async (_key, items) => {
      await new Promise((r) => setTimeout(r, 5));
      if (options.failGroupsWith) throw options.failGroupsWith;
      if (options.badItem !== undefined && items.includes(options.badItem)) throw new ItemError("bad");
      groups.push(items);
      return items.map((i) => `ok:${i}`);
    },
    writeOne: async (_key, item) => {
      await new Promise((r) => setTimeout(r, 1));
      if (item === options.badItem) throw new ItemError(`bad ${item}`);
      singles.push(item);
      return `one:${item}`;
    },
    isItemError: (e) => e instanceof ItemError,
    maxGroup: 10,
    maxConcurrentGroups: 1,
  });
  return { c, groups, singles };
}

describe("group commit", () => {
  it("writes a lone request at once, alone", async () => {
    const { c, groups, singles } = committer();
    expect(await c.submit("t", 1)).toBe("one:1");
    expect(groups).toEqual([]);
    expect(singles).toEqual([1]);
  });

  it("gathers requests that arrive together, or while a write is running, into groups up to the limit", async () => {
    const { c, groups, singles } = committer();
    const first = await Promise.all(Array.from({ length: 25 }, (_, i) => c.submit("t", i)));
    expect(first).toEqual(Array.from({ length: 25 }, (_, i) => `ok:${i}`));
    expect(singles).toEqual([]);
    expect(groups.map((g) => g.length)).toEqual([10, 10, 5]);
  });

  it("keeps tenants apart", async () => {
    const { c, groups } = committer();
    await Promise.all([
      c.submit("a", 1),
      c.submit("b", 2),
      c.submit("a", 3),
      c.submit("b", 4),
      c.submit("a", 5),
    ]);
    for (const group of groups)
      expect(group.every((i) => i % 2 === 1) || group.every((i) => i % 2 === 0)).toBe(true);
  });

  it("answers each request alone when one bad item spoils its group", async () => {
    const { c } = committer({ badItem: 3 });
    const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => c.submit("t", i)));
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    const bad = settled[3];
    expect(bad?.status === "rejected" && bad.reason instanceof ItemError).toBe(true);
  });

  it("fails the whole group when the store fails", async () => {
    const { c } = committer({ failGroupsWith: new Error("database down") });
    const settled = await Promise.allSettled([c.submit("t", 1), c.submit("t", 2), c.submit("t", 3)]);
    expect(settled.slice(1).every((s) => s.status === "rejected")).toBe(true);
  });
});
