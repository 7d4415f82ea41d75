/** Pure decisions of webhook delivery: which endpoints want an event, and when to try again. */

/** Seconds to wait after each failed attempt; the last value repeats. About 2 days over the default 8 attempts. */
export const RETRY_BACKOFF_SECONDS = [5, 30, 120, 600, 3_600, 6 * 3_600, 12 * 3_600, 24 * 3_600] as const;
export const DEFAULT_MAX_ATTEMPTS = 8;
export const MAX_ATTEMPTS_LIMIT = 20;

/** `member.*`, `order.created` or `*`: lowercase dotted names, an optional trailing wildcard. */
export const EVENT_PATTERN = /^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)*(\.\*)?)$/;

export function matchesEventType(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => {
    if (pattern === "*") return true;
    if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
    return pattern === type;
  });
}

/**
 * After failed attempt number `attempts` (1-based): when to try again, or null when the delivery is dead.
 * No jitter: each endpoint has its own queues, so retries of many deliveries do not arrive as one burst anyway.
 */
export function nextAttemptAt(attempts: number, maxAttempts: number, now: Date): Date | null {
  if (attempts >= maxAttempts) return null;
  const index = Math.min(attempts - 1, RETRY_BACKOFF_SECONDS.length - 1);
  const seconds = RETRY_BACKOFF_SECONDS[Math.max(0, index)] ?? RETRY_BACKOFF_SECONDS[0];
  return new Date(now.getTime() + seconds * 1_000);
}

/** What a receiver's answer means: 2xx is delivered; anything else (3xx included: we never follow) is retried. */
export function isDelivered(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}
