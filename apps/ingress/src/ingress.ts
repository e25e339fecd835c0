// Composition root: config in, clients built once, server listening; stop() drains in order.
import { listen } from '@hookfleet/http';
import type { Logger } from '@hookfleet/observability';
import {
  closeEventQueues,
  createEventQueues,
  createRedisConnection,
  openAppRuntime,
  queueReport,
  retryPolicyOf,
} from '@hookfleet/queue';
import { refreshOperationalGauges } from '@hookfleet/events';
import { createSecretBox, createSourceResolver } from '@hookfleet/sources';
import { createPayloadValidator } from '@hookfleet/validation';
import type { IngressConfig } from './config.js';
import { createGithubHookRanges } from './github-hook-ranges.js';
import { createIngressServer } from './server.js';

export interface RunningIngress {
  url: string;
  port: number;
  /** /metrics and /health: METRICS_PORT's server, or the webhook port's when it is unset. */
  metricsUrl: string;
  stop(): Promise<void>;
}

export async function startIngress(
  config: IngressConfig,
  options: { logger?: Logger; now?: () => Date } = {},
): Promise<RunningIngress> {
  const { logger, tracing, metrics, clients } = openAppRuntime('ingress', config, {
    logger: options.logger,
    redisRole: 'producer',
  });
  const limiterRedis = createRedisConnection(config.REDIS_URL, 'limiter');
  limiterRedis.on('error', (error) => logger.warn('rate limiter redis error', { error: error.message }));
  const queues = createEventQueues({
    connection: clients.redis,
    prefix: config.QUEUE_PREFIX,
    retryPolicy: retryPolicyOf(config),
    logger,
  });
  const sources = config.SOURCE_SECRETS_KEY
    ? createSourceResolver({
        prisma: clients.prisma,
        box: createSecretBox(config.SOURCE_SECRETS_KEY),
        ttlMs: config.SOURCE_CACHE_TTL_MS,
        now: options.now,
        onError: (error) => logger.warn('recording a secret match failed', { error: String(error) }),
      })
    : null;
  const hookRanges = createGithubHookRanges({
    apiBaseUrl: config.GITHUB_API_URL,
    redis: clients.redis,
    redisKey: `${config.QUEUE_PREFIX}:github-meta:hooks`,
    refreshIntervalMs: config.GITHUB_META_REFRESH_MS,
    logger,
  });

  const validator = createPayloadValidator();
  let accepting = true;
  const { app, metricsApp } = createIngressServer({
    config,
    prisma: clients.prisma,
    pool: clients.pool,
    queues,
    logger,
    metrics,
    limiterRedis,
    sources,
    hookRanges,
    validator,
    now: options.now,
    checks: clients.checks,
    reports: { queue: queueReport(queues, config.HEALTH_QUEUE_DEPTH_DEGRADED) },
    // Queue depths come from the admin and the workers: every ingress replica reading them would multiply
    // the reads by the replica count for the same numbers.
    beforeScrape: () =>
      refreshOperationalGauges(metrics, { pool: { pool: clients.pool, max: config.DATABASE_POOL_MAX } }),
    isAccepting: () => accepting,
  });
  const server = await listen(app, config.WEBHOOK_PORT, config.WEBHOOK_HOST, {
    headersTimeoutMs: config.WEBHOOK_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.WEBHOOK_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.WEBHOOK_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: config.WEBHOOK_MAX_CONNECTIONS,
  });
  const metricsServer = metricsApp ? await listen(metricsApp, config.METRICS_PORT!, config.WEBHOOK_HOST) : null;
  logger.info('ingress listening', { url: server.url, metrics: metricsServer?.url ?? server.url });
  // Off the request path: the schemas' one-off compilation takes seconds.
  setImmediate(() => validator.prepare());

  return {
    url: server.url,
    port: server.port,
    metricsUrl: metricsServer?.url ?? server.url,
    async stop() {
      accepting = false;
      await server.close(); // in-flight deliveries finish: each is stored and queued before its answer
      await metricsServer?.close();
      hookRanges.stop();
      await closeEventQueues(queues);
      limiterRedis.disconnect();
      await clients.close();
      await tracing.shutdown();
      logger.info('ingress stopped');
    },
  };
}
