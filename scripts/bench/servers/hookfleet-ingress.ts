// C: the Hookfleet ingress as shipped, configured from the env the benchmark passes (its own database and
// queue prefix, LOG_LEVEL, GITHUB_WEBHOOK_SECRET).
import { parseConfig } from '@hookfleet/config';
import { ingressConfigSchema, startIngress } from '@hookfleet/ingress';
import type { RunningServer } from './running-server.js';

export async function startHookfleetIngress(env: Record<string, string | undefined>): Promise<RunningServer> {
  const ingress = await startIngress(parseConfig(ingressConfigSchema, env));
  return { url: ingress.url, stop: () => ingress.stop() };
}
