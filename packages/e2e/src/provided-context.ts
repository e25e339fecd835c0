// What vitest.global-setup.ts provides to every test file (read with inject()).
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** The Postgres server to create per-file databases on; unset: each file embeds its own. */
    databaseServerUrl: string | undefined;
  }
}
export {};
