import { baseConfigSchema, port, positiveInt } from '@hookfleet/config';
import { QUEUE_NAMES, type QueueName } from '@hookfleet/queue';
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

export const workerConfigSchema = baseConfigSchema.extend({
  WORKER_QUEUES: queueList.default([...QUEUE_NAMES]),
  /** Jobs one worker process runs at once, per queue. */
  WORKER_CONCURRENCY: positiveInt.default(5),
  WORKER_HEALTH_PORT: port.default(8088),
  /** How long SIGTERM waits for running jobs; keep it below the pod's termination grace period. */
  WORKER_SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
  AGENTAPI_BASE_URL: z.string().url().optional(),
  AGENTAPI_API_KEY: z.string().min(1).optional(),
  AGENTAPI_TIMEOUT_MS: positiveInt.default(10_000),
  /** Consecutive retryable failures of a downstream that open its circuit. */
  CIRCUIT_BREAKER_FAILURE_THRESHOLD: positiveInt.default(5),
  /** How long an open circuit refuses calls before one trial call. */
  CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: positiveInt.default(30_000),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
