import { describe, expect, it } from 'vitest';
import { adminConfigSchema } from './config.js';
import { rateWindows } from './rate-limit.js';

describe('rateWindows', () => {
  it('reads the defaults as 50 per 30 s (the time 100 a minute takes to earn 50), then 100 per minute', () => {
    const defaults = adminConfigSchema
      .pick({ ADMIN_RATE_LIMIT_PER_MINUTE: true, ADMIN_RATE_LIMIT_BURST: true })
      .parse({});
    expect(rateWindows(defaults.ADMIN_RATE_LIMIT_PER_MINUTE, defaults.ADMIN_RATE_LIMIT_BURST)).toEqual([
      { name: 'api-burst', windowMs: 30_000, limit: 50 },
      { name: 'api-minute', windowMs: 60_000, limit: 100 },
    ]);
  });

  it('has no burst window at burst 0 or at a burst not below the per-minute limit, and no window at all when off', () => {
    const minuteOnly = [{ name: 'api-minute', windowMs: 60_000, limit: 100 }];
    expect(rateWindows(100, 0)).toEqual(minuteOnly);
    expect(rateWindows(100, 100)).toEqual(minuteOnly);
    expect(rateWindows(0, 50)).toEqual([]);
  });

  it('keeps a burst window of at least a second for a very high rate', () => {
    expect(rateWindows(1_000_000, 50)[0]).toEqual({ name: 'api-burst', windowMs: 1000, limit: 50 });
  });
});
