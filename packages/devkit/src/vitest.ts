// Test-side helpers that need vitest: what vitest.global-setup.ts provides, and a test environment
// built from it. A separate entry point (@hookfleet/devkit/vitest) so that apps never load vitest.
import { inject } from 'vitest';
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
