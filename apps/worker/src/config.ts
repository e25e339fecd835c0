import {
  ConfigError,
  describeConfigKey,
  loadConfigSources,
  nonNegativeInt,
  parseConfig,
  port,
  positiveInt,
} from '@hookfleet/config';
import { githubCredentialsConfigShape } from '@hookfleet/github';
import { QUEUE_NAMES, type QueueName, queueConfigSchema } from '@hookfleet/queue';
import { transformConfigShape } from '@hookfleet/sources';
import { z } from 'zod';

/** "validation,recovery" -> the named queues; an unknown name fails at start. Empty or unset: all. */
const queueList = z.string().transform((value, ctx): QueueName[] => {
  const names = [
    ...new Set(
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((name) => !(QUEUE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown queue(s) ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`,
    });
    return z.NEVER;
  }
  return names.length > 0 ? (names as QueueName[]) : [...QUEUE_NAMES];
});

/** WORKER_CONCURRENCY_DEPLOYMENT, WORKER_CONCURRENCY_VALIDATION...: one queue's concurrency. */
export const concurrencyKey = (queue: QueueName) => `WORKER_CONCURRENCY_${queue.toUpperCase()}` as const;
const perQueueConcurrency = Object.fromEntries(
  QUEUE_NAMES.map((queue) => [concurrencyKey(queue), positiveInt.optional()]),
);

export const workerConfigSchema = queueConfigSchema.extend({
  WORKER_QUEUES: queueList.default([...QUEUE_NAMES]),
  /** Jobs one worker process runs at once, per queue, unless WORKER_CONCURRENCY_<QUEUE> says otherwise. */
  WORKER_CONCURRENCY: positiveInt.default(5),
  ...perQueueConcurrency,
  /**
   * BullMQ's stalled-job handling: a job's lock lasts WORKER_LOCK_DURATION_MS and is renewed while it
   * runs; a worker that dies stops renewing, and within WORKER_STALLED_INTERVAL_MS of the lock expiring
   * another worker takes the job back to waiting. Past WORKER_MAX_STALLED_COUNT stalls the job fails.
   */
  WORKER_LOCK_DURATION_MS: positiveInt.default(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInt.default(30_000),
  WORKER_MAX_STALLED_COUNT: nonNegativeInt.default(1),
  /** A job whose workflow has an earlier unfinished event looks again after this long. */
  WORKFLOW_ORDERING_DELAY_MS: positiveInt.default(500),
  /** An earlier event still unqueued this long after delivery is queued by the event waiting on it. */
  WORKFLOW_STRANDED_AFTER_MS: positiveInt.default(30_000),
  /** A job that found the database unreachable runs again after this, without using an attempt. */
  WORKER_OUTAGE_RETRY_MS: positiveInt.default(2000),
  /** Past this long waiting out "outages", a job's failure counts as an attempt (a slow query is no outage). */
  WORKER_OUTAGE_MAX_WAIT_MS: positiveInt.default(600_000),
  WORKER_HEALTH_PORT: port.default(8088),
  ...transformConfigShape,
  /** How long SIGTERM waits for running jobs; keep it below the pod's termination grace period. */
  WORKER_SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
  AGENTAPI_BASE_URL: z.string().url().optional(),
  AGENTAPI_API_KEY: z.string().min(1).optional(),
  AGENTAPI_TIMEOUT_MS: positiveInt.default(10_000),
  /** Codegen agent runs (codegen_trigger tasks); all three or none. */
  CODEGEN_BASE_URL: z.string().url().optional(),
  CODEGEN_TOKEN: z.string().min(1).optional(),
  CODEGEN_ORG_ID: z.string().min(1).optional(),
  /** MAS (review_pull_request tasks); MAS answers at MAS_CALLBACK_URL, the admin app's /api/v1/mas/callback. */
  MAS_BASE_URL: z.string().url().optional(),
  MAS_API_KEY: z.string().min(1).optional(),
  MAS_CALLBACK_URL: z.string().url().optional(),
  /** Progress comments on the Linear issue a pull request names (e.g. "ENG-123" in its title or branch). */
  LINEAR_API_KEY: z.string().min(1).optional(),
  LINEAR_API_URL: z.string().url().default('https://api.linear.app/graphql'),
  /** An incoming-webhook URL: new pull requests and dead tasks are posted there. */
  SLACK_WEBHOOK_URL: z.string().url().optional(),
  /**
   * The bot's token (xoxb-...): the answer to a request made in Slack is posted in its thread with
   * chat.postMessage. Unset: the request's task still runs, and the answer is skipped (logged).
   */
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.string().url().default('https://slack.com/api'),
  /**
   * GitHub credentials (an App, or a token): a check run, or a commit status where check runs are not
   * allowed, on each analysed pull request's head commit. Unset: nothing is sent to GitHub.
   */
  ...githubCredentialsConfigShape,
  /** Timeout of each call to Codegen, MAS, Linear, Slack and GitHub. */
  DOWNSTREAM_TIMEOUT_MS: positiveInt.default(10_000),
  /** Consecutive retryable failures of a downstream that open its circuit. */
  CIRCUIT_BREAKER_FAILURE_THRESHOLD: positiveInt.default(5),
  /** How long an open circuit refuses calls before one trial call. */
  CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: positiveInt.default(30_000),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export function concurrencyOf(config: WorkerConfig, queue: QueueName): number {
  const specific = (config as Record<string, unknown>)[concurrencyKey(queue)];
  return typeof specific === 'number' ? specific : config.WORKER_CONCURRENCY;
}

/**
 * The worker's config from env (and WEBHOOK_CONFIG_FILE). A WORKER_CONCURRENCY_<QUEUE> naming no queue is
 * a typo that would otherwise be ignored silently, so it fails the start like an unknown WORKER_QUEUES.
 */
export function parseWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const sources = loadConfigSources(env);
  const known = new Set<string>(QUEUE_NAMES.map(concurrencyKey));
  const unknown = Object.keys(sources).filter((key) => key.startsWith('WORKER_CONCURRENCY_') && !known.has(key));
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((key) => `${describeConfigKey(sources, key)}: no such queue; known: ${QUEUE_NAMES.join(', ')}`),
    );
  }
  return parseConfig(workerConfigSchema, sources);
}
