// The env the benchmark gives Hookfleet's apps: its own database and queue prefix, and otherwise the
// shipped defaults, except where a default would refuse the benchmark's load (said below).
import type { BenchContext } from './context.js';

export function hookfleetEnv(context: BenchContext, queuePrefix: string): Record<string, string> {
  const { environment } = context;
  const poolMax = process.env.DATABASE_POOL_MAX;
  return {
    DATABASE_URL: environment.databaseUrl,
    REDIS_URL: environment.redisUrl,
    QUEUE_PREFIX: queuePrefix,
    NODE_ENV: 'production',
    // Passed through when set. PGlite serves one session: a small pool keeps its multiplexer's queue short
    // (as scripts/dev.ts does).
    ...(poolMax ? { DATABASE_POOL_MAX: poolMax } : environment.embedded.postgres ? { DATABASE_POOL_MAX: '4' } : {}),
  };
}

export function ingressEnv(
  context: BenchContext,
  queuePrefix: string,
  logLevel: 'info' | 'warn',
): Record<string, string> {
  return {
    ...hookfleetEnv(context, queuePrefix),
    LOG_LEVEL: logLevel,
    GITHUB_WEBHOOK_SECRET: context.secret,
    WEBHOOK_HOST: '127.0.0.1',
    WEBHOOK_PORT: '0',
    // All load comes from one address and one repository: limits this high never trip, yet the checks
    // still run as in production.
    WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '1000000000',
    WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: '1000000000',
  };
}
