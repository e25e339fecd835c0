// What one app process owns: its logger, tracing, metrics, and the Postgres and Redis clients with the
// health checks over them and their close order. Made once in each app's composition root.
import type { BaseConfig } from '@hookfleet/config';
import { createDatabaseClients, type DatabaseClients, type PrismaClient } from '@hookfleet/db';
import {
  createLogger,
  createMetrics,
  startTracing,
  type Logger,
  type Metrics,
  type Tracing,
} from '@hookfleet/observability';
import type { Redis } from 'ioredis';
import type { RetryPolicy } from './retry.js';
import { createRedisConnection, type RedisRole } from './connections.js';
import { databaseReport, type ComponentState } from './operational-state.js';

export interface Clients {
  prisma: PrismaClient;
  /** The pool under Prisma, for the ingress's group INSERT (see DatabaseClients). */
  pool: DatabaseClients['pool'];
  redis: Redis;
  /** For /health: each resolves when its dependency answers (see HealthCheck in @hookfleet/http). */
  checks: Record<string, () => Promise<ComponentState | void>>;
  /** Call after everything using the clients has stopped. */
  close(): Promise<void>;
}

function openClients(config: BaseConfig, options: { logger: Logger; redisRole: RedisRole }): Clients {
  const database = createDatabaseClients(config.DATABASE_URL, {
    poolMax: config.DATABASE_POOL_MAX,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  });
  const { prisma } = database;
  const redis = createRedisConnection(config.REDIS_URL, options.redisRole);
  redis.on('error', (error) => options.logger.warn('redis connection error', { error: error.message }));
  return {
    prisma,
    pool: database.pool,
    redis,
    checks: {
      database: databaseReport(database.pool, config.DATABASE_POOL_MAX, async () => {
        await prisma.$queryRaw`SELECT 1`;
      }),
      redis: async () => {
        await redis.ping();
      },
    },
    async close() {
      await database.close();
      // BullMQ does not close a connection it was given; without this the process would not exit.
      redis.disconnect();
    },
  };
}

/** What every app process starts with: its logger, tracing (off without an endpoint), metrics and clients. */
export interface AppRuntime {
  logger: Logger;
  tracing: Tracing;
  metrics: Metrics;
  clients: Clients;
}

export function openAppRuntime(
  service: 'ingress' | 'worker' | 'admin',
  config: BaseConfig,
  options: { logger?: Logger; redisRole: RedisRole },
): AppRuntime {
  const logger = options.logger ?? createLogger({ service, level: config.LOG_LEVEL });
  const tracing = startTracing({
    service,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
  });
  const metrics = createMetrics(service);
  const clients = openClients(config, { logger, redisRole: options.redisRole });
  return { logger, tracing, metrics, clients };
}

/** The JOB_* defaults, before any task type's or source's overrides. */
export function retryPolicyOf(config: BaseConfig): RetryPolicy {
  return {
    maxRetries: config.JOB_MAX_RETRIES,
    initialIntervalMs: config.JOB_BACKOFF_DELAY_MS,
    multiplier: config.JOB_BACKOFF_MULTIPLIER,
    maxIntervalMs: config.JOB_BACKOFF_MAX_MS,
    jitter: config.JOB_BACKOFF_JITTER,
    maxElapsedMs: config.JOB_MAX_ELAPSED_MS ?? null,
  };
}
