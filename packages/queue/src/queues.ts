import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  EVENT_JOB_NAME,
  QUEUE_NAMES,
  eventJobId,
  type EventJobData,
  type QueueName,
  type RetryPolicy,
} from './catalog.js';

export type EventQueues = Record<QueueName, Queue<EventJobData>>;

/** Completed jobs are trimmed (Postgres keeps the history); failed ones stay: they are the dead-letter queue. */
export function defaultJobOptions(policy: RetryPolicy): JobsOptions {
  return {
    attempts: policy.maxRetries + 1,
    backoff: { type: 'exponential', delay: policy.backoffDelayMs },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: false,
  };
}

/** One Queue per name, all on the caller's producer connection. */
export function createEventQueues(options: {
  connection: Redis;
  prefix: string;
  retryPolicy: RetryPolicy;
}): EventQueues {
  const entries = QUEUE_NAMES.map((name) => [
    name,
    new Queue<EventJobData>(name, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: defaultJobOptions(options.retryPolicy),
    }),
  ]);
  return Object.fromEntries(entries) as EventQueues;
}

export async function closeEventQueues(queues: EventQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

export interface EnqueueEvent {
  eventId: string;
  queue: QueueName;
  generation?: number;
  retry?: number;
  priority?: number;
}

/** Adds the event's job under its deterministic id; adding the same id again is a no-op in BullMQ. */
export async function enqueueEvent(queues: EventQueues, event: EnqueueEvent): Promise<string> {
  const jobId = eventJobId(event.eventId, event.generation, event.retry);
  await queues[event.queue].add(EVENT_JOB_NAME, { eventId: event.eventId }, { jobId, priority: event.priority });
  return jobId;
}

const DEPTH_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

/** Job counts per queue and state; `failed` is the dead-letter queue. */
export async function queueDepths(queues: EventQueues): Promise<Record<QueueName, Record<string, number>>> {
  const names = Object.keys(queues) as QueueName[];
  const counts = await Promise.all(names.map((name) => queues[name].getJobCounts(...DEPTH_STATES)));
  return Object.fromEntries(names.map((name, i) => [name, counts[i]!])) as Record<QueueName, Record<string, number>>;
}
