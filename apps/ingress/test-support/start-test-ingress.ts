// Test support: the ingress as production starts it, on port 0, on the test file's own database and Redis
// prefix, with the given env over them.
import { parseConfig } from '@hookfleet/config';
import type { TestEnvironment } from '@hookfleet/devkit';
import { ingressConfigSchema } from '../src/config.js';
import { startIngress, type RunningIngress } from '../src/ingress.js';

export function startTestIngress(
  baseEnv: TestEnvironment['env'],
  env: Record<string, string> = {},
): Promise<RunningIngress> {
  return startIngress(
    parseConfig(ingressConfigSchema, { ...baseEnv, WEBHOOK_PORT: '0', WEBHOOK_HOST: '127.0.0.1', ...env }),
  );
}
