// Composition root of a worker process: one BullMQ Worker per queue in WORKER_QUEUES, a small HTTP
// server for probes and metrics, and a bounded drain on stop().
import { Worker } from 'bullmq';
import { createBaseApp, errorHandler, healthRoutes, listen, notFoundHandler, requestContext } from '@hookfleet/http';
import { createLogger, createMetrics, type Logger, type Metrics } from '@hookfleet/observability';
import { backoffDelay, backoffPolicyOf, openClients, type EventJobData, type QueueName } from '@hookfleet/queue';
import { createAgentApiClient, type AgentApiClient } from './agentapi-client.js';
import type { WorkerConfig } from './config.js';
import { createDownstreamCircuit, type DownstreamCircuit } from './downstream-circuit.js';
import { createEventProcessor, isPermanent } from './process-event.js';

export interface RunningWorker {
  /** The probe and metrics server. */
  healthUrl: string;
  queues: QueueName[];
  stop(): Promise<void>;
}

export async function startWorker(config: WorkerConfig, options: { logger?: Logger } = {}): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger({ service: 'worker', level: config.LOG_LEVEL });
  const metrics = createMetrics('worker');
  const clients = openClients(config, { logger, redisRole: 'worker' });
  const { prisma, redis } = clients;

  const agentApi = connectAgentApi(config, { metrics, logger });
  const processEvent = createEventProcessor({
    prisma,
    metrics,
    logger,
    maxRetries: config.JOB_MAX_RETRIES,
    agentApi: agentApi?.client ?? null,
  });

  const backoffPolicy = backoffPolicyOf(config);
  const workers = config.WORKER_QUEUES.map((queue) => {
    const worker = new Worker<EventJobData>(queue, processEvent, {
      connection: redis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      settings: { backoffStrategy: (attemptsMade, _type, error) => backoffDelay(attemptsMade, backoffPolicy, error) },
    });
    // Outcomes are recorded by the processor; these listeners only keep errors visible.
    worker.on('error', (error) => logger.error('worker error', { queue, error: error.message }));
    return worker;
  });

  let accepting = true;
  const app = createBaseApp();
  app.use(requestContext({ logger, metrics }));
  app.use(
    healthRoutes({
      metrics,
      isAccepting: () => accepting && workers.every((worker) => worker.isRunning()),
      checks: clients.checks,
      details: () => ({ circuits: agentApi ? { agentapi: agentApi.circuit.state() } : {} }),
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);
  const server = await listen(app, config.WORKER_HEALTH_PORT);
  logger.info('worker started', {
    queues: config.WORKER_QUEUES,
    concurrency: config.WORKER_CONCURRENCY,
    health: server.url,
  });

  return {
    healthUrl: server.url,
    queues: config.WORKER_QUEUES,
    async stop() {
      accepting = false;
      // close() stops taking jobs and waits for running ones. Past the deadline, force: the unfinished
      // jobs keep their lock until it expires, then BullMQ's stalled check hands them to another worker.
      let timer: NodeJS.Timeout | undefined;
      const drained = Promise.all(workers.map((worker) => worker.close())).then(() => true);
      const deadline = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.WORKER_SHUTDOWN_TIMEOUT_MS);
      });
      const clean = await Promise.race([drained, deadline]);
      clearTimeout(timer);
      if (!clean) {
        logger.warn('shutdown deadline passed; releasing running jobs to the stalled-job check');
        await Promise.all(workers.map((worker) => worker.close(true)));
      }
      await server.close();
      await clients.close();
      logger.info('worker stopped', { drained: clean });
    },
  };
}

/** AgentAPI behind its circuit breaker, when AGENTAPI_BASE_URL is set. */
function connectAgentApi(
  config: WorkerConfig,
  deps: { metrics: Metrics; logger: Logger },
): { client: AgentApiClient; circuit: DownstreamCircuit } | null {
  if (!config.AGENTAPI_BASE_URL) return null;
  const circuit = createDownstreamCircuit({
    downstream: 'agentapi',
    failureThreshold: config.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
    halfOpenAfterMs: config.CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS,
    countsAsFailure: (error) => !isPermanent(error),
    ...deps,
  });
  const http = createAgentApiClient({
    baseUrl: config.AGENTAPI_BASE_URL,
    apiKey: config.AGENTAPI_API_KEY,
    timeoutMs: config.AGENTAPI_TIMEOUT_MS,
  });
  return { circuit, client: { submitTask: (task) => circuit.run(() => http.submitTask(task)) } };
}
