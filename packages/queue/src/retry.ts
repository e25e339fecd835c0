// How long a failed job waits before its next attempt: exponential from the first interval by the
// multiplier, capped, with jitter so that jobs failing together do not retry together; a downstream's
// Retry-After (429, 503) wins when it asks for longer. BullMQ calls this from each worker.
export const BACKOFF_TYPE = 'hookfleet';

/** Retry-After is honoured up to this; past it the sender's wish is unreasonable for a queue. */
export const MAX_RETRY_AFTER_MS = 3600_000;

export interface BackoffPolicy {
  initialIntervalMs: number;
  multiplier: number;
  maxIntervalMs: number;
  /** 0: none; 0.5: each delay is drawn from [50%, 100%] of its exponential value. */
  jitter: number;
}

/** A failure worth another attempt, optionally after the delay the downstream asked for. */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** `attemptsMade`: attempts so far, the failed one included (BullMQ's count), so 1 before the first retry. */
export function backoffDelay(
  attemptsMade: number,
  policy: BackoffPolicy,
  error?: unknown,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    policy.maxIntervalMs,
    policy.initialIntervalMs * policy.multiplier ** Math.max(0, attemptsMade - 1),
  );
  const jittered = Math.round(exponential * (1 - policy.jitter * random()));
  const asked =
    error instanceof RetryableError && error.retryAfterMs !== undefined
      ? Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS)
      : 0;
  return Math.max(jittered, asked);
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone would read "-5" as a year.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  return Math.max(0, Date.parse(trimmed) - now.getTime());
}
