// Composition root of a worker process: one BullMQ Worker per queue in WORKER_QUEUES, a small HTTP
// server for probes and metrics, and a bounded drain on stop().
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { createBaseApp, errorHandler, healthRoutes, listen, notFoundHandler, requestContext } from '@hookfleet/http';
import { SpanKind, contextFromCarrier, inSpan, type Logger } from '@hookfleet/observability';
import {
  applyRetryOverrides,
  backoffDelay,
  closeEventQueues,
  createEventQueues,
  createRedisConnection,
  EVENT_JOB_NAME,
  eventJobDataSchema,
  FORWARD_JOB_NAME,
  isJobNamed,
  jobTraceCarrier,
  openAppRuntime,
  queueReport,
  retryPolicyOf,
  type EventQueueJobData,
  type QueueName,
} from '@hookfleet/queue';
import { markDeadAfterFailedJob, refreshOperationalGauges } from '@hookfleet/events';
import { githubCredentialsOf } from '@hookfleet/github';
import { createSecretBox, createTransformSandbox, transformLimitsOf } from '@hookfleet/sources';
import { concurrencyOf, type WorkerConfig } from './config.js';
import { connectDownstreams } from './downstreams.js';
import { createForwardProcessor } from './forward-event.js';
import { waitOutDatabaseOutages } from './outages.js';
import { createGithubReporter, githubApiReport } from './github-checks.js';
import { createEventProcessor } from './process-event.js';
import { createSideEffectLedger } from './side-effects.js';

const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/** BullMQ's reason for failing a job that stalled more than maxStalledCount times. */
const STALLED_OUT = /(stalled|started) more than allowable limit/i;

/** Whether BullMQ will not try the job again: permanent, out of attempts, or stalled out. */
function isFinalFailure(job: Job, error: Error): boolean {
  return (
    error instanceof UnrecoverableError ||
    STALLED_OUT.test(error.message) ||
    job.attemptsMade >= (job.opts.attempts ?? 1)
  );
}

/**
 * A job's CONSUMER span, the child of the span that queued it (its trace travels in the job data), so the
 * job joins its delivery's trace. Handing a job back to the delayed set (its workflow's turn has not come,
 * Postgres is out) is part of the normal course, not a failure.
 */
function inJobSpan<T>(job: Job, work: () => Promise<T>): Promise<T> {
  const eventId = (job.data as { eventId?: unknown } | undefined)?.eventId;
  return inSpan(
    '@hookfleet/worker',
    `process ${job.queueName}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFromCarrier(jobTraceCarrier(job.data)),
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': job.queueName,
        'messaging.message.id': job.id ?? '',
        'hookfleet.job_name': job.name,
        'hookfleet.attempt': job.attemptsMade + 1,
        ...(typeof eventId === 'string' ? { 'hookfleet.event_id': eventId } : {}),
      },
      expected: (error) => error instanceof DelayedError,
    },
    work,
  );
}

export interface RunningWorker {
  /** The probe and metrics server. */
  healthUrl: string;
  queues: QueueName[];
  stop(): Promise<void>;
}

export async function startWorker(config: WorkerConfig, options: { logger?: Logger } = {}): Promise<RunningWorker> {
  // Half a GitHub App is refused before anything is opened.
  const githubCredentials = githubCredentialsOf(config);
  const { logger, tracing, metrics, clients } = openAppRuntime('worker', config, {
    logger: options.logger,
    redisRole: 'worker',
  });
  const { prisma, redis } = clients;

  // Workers block on their connection (maxRetriesPerRequest null); what they enqueue themselves (forwards,
  // stranded events) goes through a fail-fast producer connection, as in the ingress.
  const producer = createRedisConnection(config.REDIS_URL, 'producer');
  producer.on('error', (error) => logger.warn('producer redis error', { error: error.message }));
  const retryPolicy = retryPolicyOf(config);
  const queues = createEventQueues({ connection: producer, prefix: config.QUEUE_PREFIX, retryPolicy, logger });
  const downstreams = connectDownstreams(config, { metrics, logger });
  const transforms = createTransformSandbox(transformLimitsOf(config));
  const ledger = createSideEffectLedger({ prisma, metrics });
  const github = createGithubReporter({
    credentials: githubCredentials,
    baseUrl: config.GITHUB_API_URL,
    timeoutMs: config.DOWNSTREAM_TIMEOUT_MS,
    prisma,
    ledger,
    metrics,
    logger,
    downstreams,
  });
  const processEvent = createEventProcessor({
    prisma,
    queues,
    downstreams,
    ledger,
    logger,
    metrics,
    retryPolicy,
    config,
    orderingDelayMs: config.WORKFLOW_ORDERING_DELAY_MS,
    strandedAfterMs: config.WORKFLOW_STRANDED_AFTER_MS,
    transforms,
    github,
  });
  const processForward = createForwardProcessor({
    prisma,
    box: config.SOURCE_SECRETS_KEY ? createSecretBox(config.SOURCE_SECRETS_KEY) : null,
    logger,
    metrics,
  });
  const processUntraced = waitOutDatabaseOutages(
    async (job: Job<EventQueueJobData>, token?: string) => {
      if (isJobNamed(job, EVENT_JOB_NAME)) return processEvent(job, token);
      if (isJobNamed(job, FORWARD_JOB_NAME)) return processForward(job);
      throw new UnrecoverableError(`no processor for job ${job.name}`);
    },
    { logger, metrics, retryDelayMs: config.WORKER_OUTAGE_RETRY_MS, maxWaitMs: config.WORKER_OUTAGE_MAX_WAIT_MS },
  );
  const processJob = (job: Job<EventQueueJobData>, token?: string) => inJobSpan(job, () => processUntraced(job, token));

  const workers = config.WORKER_QUEUES.map((queue) => {
    const worker = new Worker<EventQueueJobData>(queue, processJob, {
      connection: redis,
      prefix: config.QUEUE_PREFIX,
      concurrency: concurrencyOf(config, queue),
      lockDuration: config.WORKER_LOCK_DURATION_MS,
      stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: config.WORKER_MAX_STALLED_COUNT,
      settings: {
        // Each event job carries its task type's and source's overrides (see dispatch.ts).
        backoffStrategy: (attemptsMade, _type, error, job) => {
          const data = eventJobDataSchema.safeParse(job?.data);
          return backoffDelay(
            attemptsMade,
            applyRetryOverrides(retryPolicy, data.success ? data.data.retry : undefined),
            error,
          );
        },
      },
    });
    // Outcomes are recorded by the processor. The failures no processor records (stalling past
    // WORKER_MAX_STALLED_COUNT, an error thrown before the run could write, a bug) would leave the event
    // `queued` or `processing` for good, holding its workflow back: once BullMQ has failed the job for the
    // last time, its event is marked dead with the reason (only if still unfinished and still this job's).
    // Should Postgres be unreachable here, the reconciler does the same from the failed set later.
    worker.on('failed', (job, error) => {
      // A bug's error classes, not a downstream's or an outage's: logged whole and counted.
      if (PROGRAMMING_ERRORS.some((type) => error instanceof type)) {
        metrics.unexpectedErrors.inc({ kind: 'job' });
        logger.error('job failed by an unexpected error', { queue, job_id: job?.id, error });
      }
      const data = eventJobDataSchema.safeParse(job?.data);
      if (!job || job.name === FORWARD_JOB_NAME || !data.success || !isFinalFailure(job, error)) return;
      markDeadAfterFailedJob(prisma, { eventId: data.data.eventId, jobId: job.id!, reason: error.message })
        .then((marked) => {
          if (marked) logger.warn('event marked dead after its job failed outside a run', { job_id: job.id, error });
        })
        .catch((failure: unknown) => logger.error('marking a failed job’s event dead failed', { error: failure }));
    });
    worker.on('error', (error) => logger.error('worker error', { queue, error: error.message }));
    return worker;
  });

  let accepting = true;
  // The depths of this worker's own queues: with a Deployment per queue, each queue is read by its workers.
  const ownQueues = Object.fromEntries(config.WORKER_QUEUES.map((queue) => [queue, queues[queue]]));
  const app = createBaseApp();
  app.use(requestContext({ logger, metrics }));
  app.use(
    healthRoutes({
      metrics,
      isAccepting: () => accepting && workers.every((worker) => worker.isRunning()),
      checks: clients.checks,
      reports: {
        queue: queueReport(ownQueues, config.HEALTH_QUEUE_DEPTH_DEGRADED),
        worker: async () => {
          const running = workers.every((worker) => worker.isRunning());
          if (!running && accepting) throw new Error('a queue’s worker has stopped taking jobs');
          return {
            details: {
              queues: config.WORKER_QUEUES,
              concurrency: Object.fromEntries(
                config.WORKER_QUEUES.map((queue) => [queue, concurrencyOf(config, queue)]),
              ),
              accepting,
            },
          };
        },
        // Working, but a downstream is refused calls: its tasks wait for the circuit to close.
        downstreams: async () => {
          const circuits = downstreams.circuitStates();
          const open = Object.values(circuits).some((state) => state === 'open' || state === 'isolated');
          return { status: open ? 'degraded' : 'healthy', details: { circuits } };
        },
        github_api: githubApiReport(github),
      },
      beforeScrape: () =>
        refreshOperationalGauges(metrics, {
          queues: ownQueues,
          pool: { pool: clients.pool, max: config.DATABASE_POOL_MAX },
        }),
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);
  const server = await listen(app, config.WORKER_HEALTH_PORT);
  logger.info('worker started', {
    queues: config.WORKER_QUEUES,
    concurrency: Object.fromEntries(config.WORKER_QUEUES.map((queue) => [queue, concurrencyOf(config, queue)])),
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
      await transforms.close();
      await closeEventQueues(queues);
      producer.disconnect();
      await clients.close();
      await tracing.shutdown();
      logger.info('worker stopped', { drained: clean });
    },
  };
}
