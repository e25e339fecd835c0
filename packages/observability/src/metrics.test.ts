import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const sampleOf = (text: string, name: string) =>
  text.split('\n').find((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('github_api_rate_limit_remaining', () => {
  it('has no sample until GitHub answered, then the last remaining count', async () => {
    const metrics = createMetrics('admin');
    const before = await metrics.registry.metrics();
    expect(before).toContain('# TYPE github_api_rate_limit_remaining gauge');
    expect(sampleOf(before, 'github_api_rate_limit_remaining')).toBeUndefined();

    metrics.githubApiRateLimitRemaining.set(4321);
    expect(sampleOf(await metrics.registry.metrics(), 'github_api_rate_limit_remaining')).toBe(
      'github_api_rate_limit_remaining{service="admin"} 4321',
    );
  });
});
