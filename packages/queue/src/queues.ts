import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  SpanKind,
  activeContext,
  failSpan,
  traceCarrier,
  tracerOf,
  tracingEnabled,
  type Logger,
  type Span,
  type TraceCarrier,
  type TraceContext,
} from '@hookfleet/observability';
import {
  EVENT_JOB_NAME,
  FORWARD_JOB_NAME,
  QUEUE_NAMES,
  queueNameOf,
  eventJobId,
  forwardJobId,
  type EventJobData,
  type EventQueueJobData,
  type ForwardJobData,
  type QueueName,
} from './catalog.js';
import { BACKOFF_TYPE, type RetryOverrides, type RetryPolicy } from './retry.js';

export type EventQueues = Record<QueueName, Queue<EventQueueJobData>>;

/** Completed jobs are trimmed (Postgres keeps the history); failed ones stay: they are the dead-letter queue. */
export function defaultJobOptions(policy: RetryPolicy): JobsOptions {
  return {
    attempts: policy.maxRetries + 1,
    // Delays come from the workers' backoff strategy (retry.ts), which knows the policy and the error.
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: false,
  };
}

/** One Queue per name, all on the caller's producer connection. */
export function createEventQueues(options: {
  connection: Redis;
  prefix: string;
  retryPolicy: RetryPolicy;
  logger: Logger;
}): EventQueues {
  const entries = QUEUE_NAMES.map((name) => {
    const queue = new Queue<EventQueueJobData>(name, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: defaultJobOptions(options.retryPolicy),
    });
    // Without a listener BullMQ prints connection errors itself; ours go through the JSON log.
    queue.on('error', (error) => options.logger.warn('queue error', { queue: name, error: error.message }));
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as EventQueues;
}

export async function closeEventQueues(queues: EventQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

export interface EnqueueEvent {
  eventId: string;
  queue: QueueName;
  generation?: number;
  /** Which retry of a task this is (admin retry), for the job id. */
  retryNumber?: number;
  priority?: number;
  /** The task type's and source's overrides of the queue's retry policy. */
  retryOverrides?: RetryOverrides;
  /** The trace the job continues (the delivery's request, in the ingress); by default the active one. */
  traceContext?: TraceContext;
}

/**
 * A PRODUCER span for adding one job, and the context the job carries: its consumer's span is the child of
 * this one. Nothing at all while tracing is off.
 */
function startSend(
  queue: string,
  job: { jobId: string; eventId: string },
  parent: TraceContext | undefined,
): { span: Span; trace: TraceCarrier | undefined } | null {
  if (!tracingEnabled()) return null;
  const span = tracerOf('@hookfleet/queue').startSpan(
    `send ${queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'send',
        'messaging.destination.name': queue,
        'messaging.message.id': job.jobId,
        'hookfleet.event_id': job.eventId,
      },
    },
    parent ?? activeContext(),
  );
  return { span, trace: traceCarrier(span) };
}

async function endSends<T>(sends: Array<{ span: Span } | null>, add: Promise<T>): Promise<T> {
  try {
    return await add;
  } catch (error) {
    for (const send of sends) if (send) failSpan(send.span, error);
    throw error;
  } finally {
    for (const send of sends) send?.span.end();
  }
}

/** Redis is not reachable: the job was not added (the caller's row stays `received`). */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/**
 * How ioredis says Redis is out of reach: rejected at once with the offline queue disabled, the connection
 * dropped mid-command, or given up on after its retries (MaxRetriesPerRequestError).
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/.test(error.message)
  );
}

/** A backstop for an add that neither succeeds nor fails (Redis half-open). */
const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * Adds the event's job under its deterministic id; adding the same id again is a no-op in BullMQ.
 * Fails fast while the connection is down instead of waiting for it: a webhook sender should get its
 * 503 at once and redeliver.
 */
export async function enqueueEvent(queues: EventQueues, event: EnqueueEvent): Promise<string> {
  const [jobId] = await enqueueEvents(queues, [event]);
  return jobId!;
}

/** enqueueEvent for many: one addBulk per queue (one Redis round trip each); job ids in the events' order. */
export async function enqueueEvents(queues: EventQueues, events: readonly EnqueueEvent[]): Promise<string[]> {
  const byQueue = new Map<QueueName, Array<{ name: string; data: EventJobData; opts: JobsOptions }>>();
  const sends: Array<{ span: Span } | null> = [];
  const jobIds = events.map((event) => {
    const jobId = eventJobId(event.eventId, event.generation, event.retryNumber);
    const maxRetries = event.retryOverrides?.maxRetries;
    const send = startSend(event.queue, { jobId, eventId: event.eventId }, event.traceContext);
    sends.push(send);
    const data: EventJobData = {
      eventId: event.eventId,
      ...(event.retryOverrides ? { retry: event.retryOverrides } : {}),
      ...(send?.trace ? { trace: send.trace } : {}),
    };
    const opts: JobsOptions = {
      jobId,
      priority: event.priority,
      ...(maxRetries === undefined ? {} : { attempts: maxRetries + 1 }),
    };
    const jobs = byQueue.get(event.queue) ?? [];
    jobs.push({ name: EVENT_JOB_NAME, data, opts });
    byQueue.set(event.queue, jobs);
    return jobId;
  });
  await endSends(sends, addBulks(queues, byQueue));
  return jobIds;
}

async function addBulks(
  queues: EventQueues,
  byQueue: Map<QueueName, Array<{ name: string; data: EventJobData; opts: JobsOptions }>>,
): Promise<void> {
  for (const name of byQueue.keys()) {
    const connection = queues[name].opts.connection as Redis;
    if (connection.status !== 'ready') {
      throw new QueueUnavailableError(`redis connection is ${connection.status}`);
    }
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([...byQueue].map(([name, jobs]) => queues[name].addBulk(jobs))),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new QueueUnavailableError(`no answer from redis in ${ENQUEUE_TIMEOUT_MS} ms`)),
          ENQUEUE_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    // ioredis rejects at once with the offline queue disabled; report that as the same condition.
    if (error instanceof QueueUnavailableError) throw error;
    if (isRedisUnavailable(error)) throw new QueueUnavailableError((error as Error).message);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether a `queued` event's job is gone from Redis: the ingress stores the row as queued and adds the job
 * right after the commit, so a process that died in between, or a Redis that lost its data, leaves one.
 */
export async function isJobMissing(
  queues: EventQueues,
  event: { queue: string; jobId: string | null },
): Promise<boolean> {
  if (!event.jobId) return true;
  const queue = queueNameOf(event.queue);
  return (await queues[queue].getJob(event.jobId)) === undefined;
}

/** Forward-mode sources: one delivery of the event to the source's URL, with its own retries. */
export async function enqueueForward(
  queues: EventQueues,
  job: Omit<ForwardJobData, 'trace'> & { queue: QueueName; maxRetries: number },
): Promise<string> {
  const jobId = forwardJobId(job.eventId, job.generation);
  const send = startSend(job.queue, { jobId, eventId: job.eventId }, undefined);
  const data: ForwardJobData = {
    eventId: job.eventId,
    generation: job.generation,
    ...(send?.trace ? { trace: send.trace } : {}),
  };
  await endSends([send], queues[job.queue].add(FORWARD_JOB_NAME, data, { jobId, attempts: job.maxRetries + 1 }));
  return jobId;
}

const DEPTH_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

/** Job counts per queue and state; `failed` is the dead-letter queue. */
export async function queueDepths(
  queues: Partial<EventQueues>,
): Promise<Partial<Record<QueueName, Record<string, number>>>> {
  const names = Object.keys(queues) as QueueName[];
  const counts = await Promise.all(names.map((name) => queues[name]!.getJobCounts(...DEPTH_STATES)));
  return Object.fromEntries(names.map((name, i) => [name, counts[i]!]));
}
