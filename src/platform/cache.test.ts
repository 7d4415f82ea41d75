import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TtlCache } from "./cache.ts";

/** A load the test finishes by hand, counting how often it was started. */
function controlledLoad<V>() {
  const calls: { resolve: (v: V) => void; reject: (e: Error) => void }[] = [];
  const load = () =>
    new Promise<V>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { load, calls };
}

describe("TtlCache", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-02T00:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shares one load among requests that miss at the same time", async () => {
    const cache = new TtlCache<number>({ ttl_ms: 5_000, max_entries: 10 });
    const { load, calls } = controlledLoad<number>();
    const answers = Promise.all([cache.get("t", load), cache.get("t", load), cache.get("t", load)]);
    expect(calls).toHaveLength(1);
    calls[0]?.resolve(7);
    expect(await answers).toEqual([7, 7, 7]);
    expect(await cache.get("t", load)).toBe(7);
    expect(calls).toHaveLength(1);
  });

  it("reloads once past 80% of the TTL while the others keep reading the entry", async () => {
    const cache = new TtlCache<number>({ ttl_ms: 5_000, max_entries: 10 });
    const { load, calls } = controlledLoad<number>();
    const first = cache.get("t", load);
    calls[0]?.resolve(1);
    await first;
    vi.advanceTimersByTime(3_900);
    expect(await cache.get("t", load)).toBe(1);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(200); // 4.1 s: due for a refresh, not expired
    const refreshing = cache.get("t", load);
    expect(calls).toHaveLength(2);
    expect(await cache.get("t", load)).toBe(1);
    expect(await cache.get("t", load)).toBe(1);
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(2);
    expect(await refreshing).toBe(2);
    expect(await cache.get("t", load)).toBe(2);
    vi.advanceTimersByTime(5_001);
    void cache.get("t", load);
    expect(calls).toHaveLength(3);
  });

  it("does not keep what a load read before an invalidation", async () => {
    const cache = new TtlCache<string>({ ttl_ms: 5_000, max_entries: 10 });
    const { load, calls } = controlledLoad<string>();
    const before = cache.get("t", load);
    cache.delete("t"); // a write in this process, while the read is in flight
    const after = cache.get("t", load);
    expect(calls).toHaveLength(2);
    calls[1]?.resolve("new");
    calls[0]?.resolve("old");
    expect(await before).toBe("old");
    expect(await after).toBe("new");
    expect(await cache.get("t", load)).toBe("new");
    expect(calls).toHaveLength(2);
  });

  it("lets a request load on its own when the load it waited for failed", async () => {
    const cache = new TtlCache<number>({ ttl_ms: 5_000, max_entries: 10 });
    const { load, calls } = controlledLoad<number>();
    const failing = cache.get("t", load);
    const waiting = cache.get("t", load);
    calls[0]?.reject(new Error("connection lost"));
    await expect(failing).rejects.toThrow("connection lost");
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    calls[1]?.resolve(3);
    expect(await waiting).toBe(3);
  });

  it("drops the entry loaded longest ago when full", async () => {
    const cache = new TtlCache<string>({ ttl_ms: 5_000, max_entries: 2 });
    let loads = 0;
    const load = (v: string) => () => {
      loads++;
      return Promise.resolve(v);
    };
    await cache.get("a", load("a"));
    await cache.get("b", load("b"));
    await cache.get("c", load("c"));
    expect(loads).toBe(3);
    await cache.get("c", load("c"));
    await cache.get("b", load("b"));
    expect(loads).toBe(3);
    await cache.get("a", load("a"));
    expect(loads).toBe(4);
  });
});
