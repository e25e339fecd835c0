import type { Express } from 'express';
import { listen } from '@hookfleet/http';
import type { Logger } from '@hookfleet/observability';
import {
  closeEventQueues,
  createEventQueues,
  createRedisConnection,
  openAppRuntime,
  retryPolicyOf,
  waitUntilReady,
} from '@hookfleet/queue';
import { createTransformSandbox, transformLimitsOf } from '@hookfleet/sources';
import type { AdminConfig } from './config.js';
import { createTokenStore } from './auth.js';
import { githubRecoveryOf } from './github-recovery.js';
import { startOperations } from './operations.js';
import { createAdminServer } from './server.js';
import { createSessionStore } from './sessions.js';

export interface RunningAdmin {
  url: string;
  port: number;
  /** The Express app (tests enumerate its routes). */
  app: Express;
  stop(): Promise<void>;
}

export async function startAdmin(
  config: AdminConfig,
  options: {
    logger?: Logger;
    /** The clock the API token cache expires by (tests move it on instead of waiting). */
    tokenClock?: () => Date;
  } = {},
): Promise<RunningAdmin> {
  const { logger, tracing, metrics, clients } = openAppRuntime('admin', config, {
    logger: options.logger,
    redisRole: 'producer',
  });
  const queues = createEventQueues({
    connection: clients.redis,
    prefix: config.QUEUE_PREFIX,
    retryPolicy: retryPolicyOf(config),
    logger,
  });
  const tokens = createTokenStore(clients.prisma, options.tokenClock);
  await tokens.bootstrap(config.ADMIN_API_TOKEN);
  // The operations worker blocks on its own connection; adding operations uses the fail-fast producer.
  const operationsRedis = createRedisConnection(config.REDIS_URL, 'worker');
  operationsRedis.on('error', (error) => logger.warn('operations redis error', { error: error.message }));
  // The API's rate limit and the sign-in throttle: a connection that gives up after one reconnect.
  const limiterRedis = createRedisConnection(config.REDIS_URL, 'limiter');
  limiterRedis.on('error', (error) => logger.warn('rate limiter redis error', { error: error.message }));
  await waitUntilReady(clients.redis);
  const githubRecovery = githubRecoveryOf(config, {
    prisma: clients.prisma,
    redis: clients.redis,
    prefix: config.QUEUE_PREFIX,
    logger,
    metrics,
  });
  const operations = await startOperations(
    {
      prisma: clients.prisma,
      queues,
      config,
      logger,
      metrics,
      retentionDays: config.RETENTION_DAYS,
      redriveScanMs: config.DEAD_LETTER_REDRIVE_SCAN_MS,
      reconcile: {
        intervalMs: config.RECONCILE_INTERVAL_MS,
        staleAfterMs: config.RECONCILE_STALE_AFTER_MS,
        batchSize: config.RECONCILE_BATCH_SIZE,
      },
      schedulerCheckMs: config.SCHEDULER_CHECK_MS,
      githubRecovery,
    },
    { producer: clients.redis, worker: operationsRedis, prefix: config.QUEUE_PREFIX },
  );
  const transforms = createTransformSandbox(transformLimitsOf(config));
  const app = createAdminServer({
    config,
    prisma: clients.prisma,
    pool: clients.pool,
    queues,
    logger,
    metrics,
    checks: clients.checks,
    tokens,
    operations,
    githubRecoveryHooks: githubRecovery?.hooks ?? [],
    ...(githubRecovery ? { githubApi: githubRecovery.health } : {}),
    transforms,
    sessions: createSessionStore({ redis: clients.redis, prefix: config.QUEUE_PREFIX, tokens }),
    limiterRedis,
  });
  const server = await listen(app, config.ADMIN_PORT, config.ADMIN_HOST);
  logger.info('admin listening', { url: server.url });
  return {
    url: server.url,
    port: server.port,
    app,
    async stop() {
      await server.close();
      await transforms.close();
      await operations.close();
      operationsRedis.disconnect();
      limiterRedis.disconnect();
      await closeEventQueues(queues);
      await clients.close();
      await tracing.shutdown();
    },
  };
}
