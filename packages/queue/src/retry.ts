// How long a failed job waits before its next attempt: exponential from the first interval by the
// multiplier, capped, with jitter so that jobs failing together do not retry together; a downstream's
// Retry-After (429, 503) wins when it asks for longer. BullMQ calls this from each worker.
import { z } from 'zod';

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

/** Everything that decides an event job's retries: the JOB_* defaults, overridden per task type and per source. */
export interface RetryPolicy extends BackoffPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Past this much time since the delivery a failure is final, retries left or not; null: no limit. */
  maxElapsedMs: number | null;
}

/**
 * Overrides of a RetryPolicy, per task type (TASK_RETRY_POLICIES) and
 * per source (its settings). Absent fields fall through to the level below.
 */
export const retryOverridesSchema = z
  .object({
    maxRetries: z.number().int().min(0).max(25).optional(),
    initialIntervalMs: z.number().int().positive().max(3600_000).optional(),
    maxIntervalMs: z
      .number()
      .int()
      .positive()
      .max(24 * 3600_000)
      .optional(),
    multiplier: z.number().min(1).max(10).optional(),
    maxElapsedMs: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600_000)
      .optional(),
  })
  .strict();
export type RetryOverrides = z.infer<typeof retryOverridesSchema>;

/** The policy with each level of overrides applied in order (later levels win). */
export function applyRetryOverrides(policy: RetryPolicy, ...levels: Array<RetryOverrides | undefined>): RetryPolicy {
  let result = policy;
  for (const level of levels) {
    if (!level) continue;
    const defined = Object.fromEntries(Object.entries(level).filter(([, value]) => value !== undefined));
    result = { ...result, ...defined };
  }
  return result;
}

/** Whether the policy's maxElapsedMs has passed since the delivery: a failure now is final, retries left or not. */
export function isPastMaxElapsed(policy: RetryPolicy, receivedAt: Date, now: Date = new Date()): boolean {
  return policy.maxElapsedMs !== null && now.getTime() - receivedAt.getTime() >= policy.maxElapsedMs;
}

/** Merges override levels into one (later levels win), or undefined when none sets anything. */
export function mergeRetryOverrides(...levels: Array<RetryOverrides | undefined>): RetryOverrides | undefined {
  const merged: RetryOverrides = {};
  for (const level of levels) {
    if (!level) continue;
    for (const [key, value] of Object.entries(level)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/**
 * The HTTP answers worth another attempt, from any downstream or forward target: a timeout (408), rate
 * limiting (429) and server errors (5xx). Other 4xx will not change on retry.
 */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The answers that say when to come back, in Retry-After: slow down (429), come back later (503). */
export function hasRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
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
