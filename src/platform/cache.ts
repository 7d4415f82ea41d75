/**
 * A small in-process cache with a time to live, for data read on every request and rarely changed (a brand's
 * settings, its earn rules). Writes in this process invalidate at once; other processes see a change within the
 * TTL. Bounded: the oldest entries go first when it is full.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires_at_ms: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttl_ms: number; max_entries: number }) {
    this.#ttlMs = options.ttl_ms;
    this.#maxEntries = options.max_entries;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.expires_at_ms > Date.now()) return hit.value;
    const value = await load();
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expires_at_ms: Date.now() + this.#ttlMs });
    return value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** How long settings read on the hot path may be stale in another process. */
export const SETTINGS_TTL_MS = 5_000;
