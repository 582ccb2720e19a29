/**
 * When to retry a registry request and how long to wait: exponential backoff with full jitter, overridden
 * by the server's `Retry-After`.
 */

/** Tunables of the retry policy. */
export interface RetryPolicy {
  /** Attempts in total, the first included (1 = never retry). */
  readonly maxAttempts: number;
  /** Backoff before the second attempt before jitter, doubled for each further attempt. */
  readonly baseDelayMs: number;
  /** Upper bound of the jittered backoff. */
  readonly maxDelayMs: number;
  /** Upper bound of a wait asked for by `Retry-After`, so a server cannot park the run for hours. */
  readonly maxRetryAfterMs: number;
}

/**
 * Five attempts, 0.25 s base (waits of up to 0.25, 0.5, 1 and 2 s: a failed request's follow-ups wait on it, and
 * the per-host rate limiter, not the backoff, is what slows a registry in trouble down), 30 s cap, `Retry-After`
 * honoured up to 2 minutes.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/**
 * Tells whether a response status is worth retrying: 408, 429 and 5xx except 501 (not implemented) and
 * 505 (version not supported), which will not change.
 *
 * @param status HTTP status
 * @returns true when a later identical request may succeed
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * Parses a `Retry-After` value: delay seconds or an HTTP date.
 *
 * @param value the header value, or null when absent
 * @param now the current time in ms since the epoch
 * @returns the wait in ms (0 for dates in the past), or undefined when absent or unparseable
 * @example parseRetryAfter("3", Date.now()) // → 3000
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Computes the wait before retry number `retry` (1 for the first retry): `Retry-After` when the server
 * gave one (capped), else a uniformly random delay in [0, min(maxDelay, base × 2^(retry−1))] ("full jitter",
 * which spreads clients that failed together).
 *
 * @param policy the retry tunables
 * @param retry 1-based retry number
 * @param retryAfterMs the server's requested wait, if any
 * @param random a source of numbers in [0, 1)
 * @returns the wait in ms
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
