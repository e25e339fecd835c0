// Test support: the admin app as production starts it, on port 0, on the test file's own database and
// Redis prefix, with ADMIN_API_TOKEN as given and the given env and options over them. Tests call the API
// far faster than any operator: the rate limit is raised out of their way, and a file that tests it sets its own.
import { parseConfig } from '@hookfleet/config';
import type { TestEnvironment } from '@hookfleet/devkit';
import { startAdmin, type RunningAdmin } from '../src/admin.js';
import { adminConfigSchema } from '../src/config.js';

/** Counted (the limiter stays in every request's path) but never reached by a test. */
export const RELAXED_RATE_LIMIT = { ADMIN_RATE_LIMIT_PER_MINUTE: '1000000', ADMIN_RATE_LIMIT_BURST: '0' } as const;

export function startTestAdmin(
  baseEnv: TestEnvironment['env'],
  adminToken: string,
  env: Record<string, string> = {},
  options: Parameters<typeof startAdmin>[1] = {},
): Promise<RunningAdmin> {
  return startAdmin(
    parseConfig(adminConfigSchema, {
      ...baseEnv,
      ADMIN_PORT: '0',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_API_TOKEN: adminToken,
      ...RELAXED_RATE_LIMIT,
      ...env,
    }),
    options,
  );
}
