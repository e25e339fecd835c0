// Everything one integration test file needs to run its own copy of Hookfleet: a migrated database of
// its own, a Redis key prefix of its own, and the base config pointing at both. cleanup() removes both.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createTestDatabase } from './test-database.js';

export interface TestEnvironment {
  /** Env-style base config for any app's schema. */
  env: {
    DATABASE_URL: string;
    REDIS_URL: string;
    QUEUE_PREFIX: string;
    LOG_LEVEL: 'silent';
    NODE_ENV: 'test';
    JOB_MAX_RETRIES: string;
    JOB_BACKOFF_DELAY_MS: string;
    DATABASE_POOL_MAX: string;
  };
  cleanup(): Promise<void>;
}

export async function createTestEnvironment(options: {
  redisUrl: string;
  databaseServerUrl: string | undefined;
}): Promise<TestEnvironment> {
  const database = await createTestDatabase(options.databaseServerUrl);
  const prefix = `hookfleet-test-${randomBytes(5).toString('hex')}`;
  return {
    env: {
      DATABASE_URL: database.url,
      REDIS_URL: options.redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent',
      NODE_ENV: 'test',
      // Two retries and a short backoff keep dead-letter tests quick.
      JOB_MAX_RETRIES: '2',
      JOB_BACKOFF_DELAY_MS: '20',
      DATABASE_POOL_MAX: '5',
    },
    async cleanup() {
      const redis = new Redis(options.redisUrl);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      await database.drop();
    },
  };
}
