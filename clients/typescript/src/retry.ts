// When and how long to wait before trying a request again.

/** Retry rules; every field is optional in `ClientOptions.retry`. */
export interface RetryOptions {
  /** Attempts per call, the first included (default 3; 1 turns retries off). */
  maxAttempts: number;
  /** Most time spent waiting between the attempts of one call, in ms (default 10 000). A
   * `Retry-After` that would pass it ends the retries: the caller gets the answer at once. */
  maxTotalWaitMs: number;
  /** First backoff ceiling when the gateway names no `Retry-After`, in ms (default 250;
   * full jitter, doubling per attempt). */
  baseDelayMs: number;
  /** Longest single backoff without `Retry-After`, in ms (default 4 000). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 3,
  maxTotalWaitMs: 10_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
};

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from `nowMs`: delay-seconds or an HTTP date
 * (a date in the past is 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only an HTTP date, not whatever else Date.parse would guess at ("1.5", "soon").
  if (!/^[A-Za-z]{3},? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Full-jitter exponential backoff for the given attempt (1 = after the first). */
export function backoffMs(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
