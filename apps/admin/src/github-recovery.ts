// Missed-delivery recovery as the admin runs it: the GitHub clients its credentials allow (a token for
// repository and organization hooks, the App's JWT for the App's own hook), and a ledger in Redis of how
// often each GUID has been asked for, kept for GitHub's redelivery window.
import type { PrismaClient } from '@hookfleet/db';
import {
  REDELIVERY_WINDOW_MS,
  checkGithubApi,
  createGithubClient,
  type GithubApiHealth,
  recoverMissedDeliveries,
  recoveryEndpointOf,
  type GithubClient,
  type HookRef,
  type RecoveryResult,
} from '@hookfleet/github';
import type { Logger, Metrics } from '@hookfleet/observability';
import type { Redis } from 'ioredis';
import type { AdminConfig } from './config.js';

/** Inside the health route's own deadline (2 s). */
const HEALTH_TIMEOUT_MS = 1500;

export function githubRecoveryOf(
  config: AdminConfig,
  deps: { prisma: PrismaClient; redis: Redis; prefix: string; logger: Logger; metrics: Metrics },
): {
  intervalMs: number;
  hooks: HookRef[];
  run: () => Promise<RecoveryResult>;
  health: () => Promise<GithubApiHealth>;
} | null {
  const hooks = config.GITHUB_RECOVERY_HOOKS;
  if (hooks.length === 0) return null;
  const client = (credentials: Parameters<typeof createGithubClient>[0]['credentials']) =>
    createGithubClient({
      baseUrl: config.GITHUB_API_URL,
      credentials,
      metrics: deps.metrics,
      logger: deps.logger,
      endpointOf: recoveryEndpointOf,
    });
  // The config schema has made sure the credentials each configured hook needs are there.
  let tokenClient: GithubClient | undefined;
  let appClient: GithubClient | undefined;
  const clientFor = (hook: HookRef): GithubClient =>
    hook === 'app'
      ? (appClient ??= client({ appId: config.GITHUB_APP_ID!, privateKey: config.GITHUB_APP_PRIVATE_KEY! }))
      : (tokenClient ??= client({ token: config.GITHUB_TOKEN! }));
  const ledger = {
    async increment(guid: string) {
      const key = `${deps.prefix}:github-recovery:asked:${guid}`;
      const [[, count]] = (await deps.redis.multi().incr(key).pexpire(key, REDELIVERY_WINDOW_MS).exec()) as [
        [Error | null, number],
      ];
      return count;
    },
  };
  // /health asks with the credentials of the first hook: the token's rate limit, or the App itself.
  const [first] = hooks as [HookRef];
  return {
    intervalMs: config.GITHUB_RECOVERY_INTERVAL_MS,
    hooks,
    health: () =>
      checkGithubApi(clientFor(first), {
        timeoutMs: HEALTH_TIMEOUT_MS,
        asApp: first === 'app',
        details: { auth: first === 'app' ? 'app' : 'token' },
      }),
    run: () =>
      recoverMissedDeliveries(
        { clientFor, prisma: deps.prisma, ledger, logger: deps.logger },
        { hooks, windowMs: config.GITHUB_RECOVERY_WINDOW_HOURS * 3600_000 },
      ),
  };
}
