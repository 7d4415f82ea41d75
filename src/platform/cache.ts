/**
 * A small in-process cache with a time to live, for data read on every request and rarely changed (a brand's
 * settings, its earn rules). Writes in this process invalidate at once; other processes see a change within the
 * TTL. Bounded: the oldest entries go first when it is full.
 *
 * Under load an entry must not expire for everyone at once: hundreds of requests a second would each load it in the
 * same instant (a stampede that showed as 100 ms stalls in the checkout benchmark every few seconds). So the first
 * request past 80% of the TTL reloads it while the others keep reading the entry, and requests that find it gone
 * share one load instead of starting their own.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; refresh_at_ms: number; expires_at_ms: number }>();
  readonly #loading = new Map<string, Promise<V>>();
  /** Bumped by delete(): a load that started before an invalidation must not store what it read. */
  readonly #generations = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttl_ms: number; max_entries: number }) {
    this.#ttlMs = options.ttl_ms;
    this.#maxEntries = options.max_entries;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expires_at_ms > now) {
      if (hit.refresh_at_ms > now || this.#loading.has(key)) return hit.value;
      return this.#load(key, load);
    }
    const shared = this.#loading.get(key);
    if (shared) {
      // Another request's load failed (its transaction, its connection): this one tries on its own.
      try {
        return await shared;
      } catch {
        return this.#load(key, load);
      }
    }
    return this.#load(key, load);
  }

  delete(key: string): void {
    this.#entries.delete(key);
    if (this.#loading.delete(key)) this.#generations.set(key, (this.#generations.get(key) ?? 0) + 1);
  }

  #load(key: string, load: () => Promise<V>): Promise<V> {
    const generation = this.#generations.get(key) ?? 0;
    const loading = load().then(
      (value) => {
        if ((this.#generations.get(key) ?? 0) === generation) this.#store(key, value);
        if (this.#loading.get(key) === loading) this.#loading.delete(key);
        return value;
      },
      (error: unknown) => {
        if (this.#loading.get(key) === loading) this.#loading.delete(key);
        throw error;
      },
    );
    this.#loading.set(key, loading);
    return loading;
  }

  #store(key: string, value: V): void {
    if (!this.#entries.has(key) && this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) {
        this.#entries.delete(oldest.value);
        this.#generations.delete(oldest.value);
      }
    }
    // Re-inserted at the end: the map's order is the order entries were last loaded in.
    this.#entries.delete(key);
    const now = Date.now();
    this.#entries.set(key, {
      value,
      refresh_at_ms: now + this.#ttlMs * 0.8,
      expires_at_ms: now + this.#ttlMs,
    });
  }
}

/** How long settings read on the hot path may be stale in another process. */
export const SETTINGS_TTL_MS = 5_000;
