// Test-side helpers that need vitest: what vitest.global-setup.ts provides, a test environment built from
// it, and the set-up and tear-down every integration test file shares. A separate entry point
// (@hookfleet/devkit/vitest) so that apps never load vitest.
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from './test-environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** The Postgres server to create per-file databases on; unset: each file embeds its own. */
    databaseServerUrl: string | undefined;
  }
}

/** A migrated database and a Redis key prefix of this test file's own. */
export function testEnvironment(): Promise<TestEnvironment> {
  return createTestEnvironment({ redisUrl: inject('redisUrl'), databaseServerUrl: inject('databaseServerUrl') });
}

/** Anything a test starts that has to be stopped: an app, a fake downstream, a proxy. */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface TestFileEnvironment {
  /** Env-style base config for any app's schema, on this file's own database and Redis prefix. */
  readonly env: TestEnvironment['env'];
  /** A Prisma client on this file's database, made on first use. */
  readonly prisma: PrismaClient;
  /** A Redis connection to this file's Redis, made on first use. */
  readonly redis: Redis;
  /** Stops `running` after the file's tests, the last one added first; returns it. */
  stopAtEnd<T extends Stoppable>(running: T): T;
}

/**
 * The set-up and tear-down every integration test file shares, registered as its first beforeAll and last
 * afterAll: a test environment of the file's own, its clients, and at the end, in order, whatever the file
 * started (last first), the clients, then the environment. Call it at the top level of the file; its
 * properties are readable from the file's own beforeAll on.
 */
export function useTestEnvironment(): TestFileEnvironment {
  let environment: TestEnvironment | undefined;
  let prisma: PrismaClient | undefined;
  let redis: Redis | undefined;
  const started: Stoppable[] = [];
  const env = (): TestEnvironment['env'] => {
    if (!environment) throw new Error('useTestEnvironment(): read before its beforeAll ran');
    return environment.env;
  };

  beforeAll(async () => {
    environment = await testEnvironment();
  });
  afterAll(async () => {
    for (const running of started.reverse()) await running.stop();
    await prisma?.$disconnect();
    redis?.disconnect();
    await environment?.cleanup();
  });

  return {
    get env() {
      return env();
    },
    get prisma() {
      return (prisma ??= createPrismaClient(env().DATABASE_URL, { poolMax: 2 }));
    },
    get redis() {
      return (redis ??= new Redis(env().REDIS_URL, { maxRetriesPerRequest: null }));
    },
    stopAtEnd(running) {
      started.push(running);
      return running;
    },
  };
}
