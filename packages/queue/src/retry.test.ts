import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, RetryableError, backoffDelay, parseRetryAfter, type BackoffPolicy } from './retry.js';

const policy: BackoffPolicy = { initialIntervalMs: 1000, multiplier: 2, maxIntervalMs: 300_000, jitter: 0.5 };
const noJitter = () => 0;

describe('backoffDelay', () => {
  it('grows by the multiplier from the first interval and stops at the cap', () => {
    expect([1, 2, 3, 4].map((attempts) => backoffDelay(attempts, policy, undefined, noJitter))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect(backoffDelay(20, policy, undefined, noJitter)).toBe(300_000);
    expect(backoffDelay(3, { ...policy, multiplier: 3 }, undefined, noJitter)).toBe(9000);
  });

  it('takes up to `jitter` of the delay off at random, never more', () => {
    expect(backoffDelay(3, policy, undefined, () => 0.999999)).toBe(2000);
    expect(backoffDelay(3, policy, undefined, () => 0.5)).toBe(3000);
    expect(backoffDelay(3, { ...policy, jitter: 0 }, undefined, () => 0.9)).toBe(4000);
  });

  it("waits at least as long as the downstream's Retry-After, within reason", () => {
    expect(backoffDelay(1, policy, new RetryableError('slow down', 30_000), noJitter)).toBe(30_000);
    expect(backoffDelay(5, policy, new RetryableError('slow down', 10), noJitter)).toBe(16_000);
    expect(backoffDelay(1, policy, new RetryableError('slow down', 10 * MAX_RETRY_AFTER_MS), noJitter)).toBe(
      MAX_RETRY_AFTER_MS,
    );
    expect(backoffDelay(1, policy, new Error('plain'), noJitter)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    for (const value of [undefined, '', 'soon', '-5', '1.5'])
      expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
  });
});
