// The one place queue names, task types and job shapes are defined.
import type { Job } from 'bullmq';
import { z } from 'zod';
import type { TraceCarrier } from '@hookfleet/observability';
import { retryOverridesSchema } from './retry.js';

/**
 * Queue names. NEVER rename one: they are part of BullMQ's Redis keys, so a rename strands every job
 * already waiting under the old name.
 */
export const QUEUE_NAMES = ['deployment', 'validation', 'workflow', 'recovery', 'default'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** A stored queue name as a QueueName; a name no queue has any more reads as `default`. */
export function queueNameOf(name: string): QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name) ? (name as QueueName) : 'default';
}

/**
 * The admin's queue of long-running operations (bulk reprocess and retry, re-drive, cleanup, reconcile): not
 * an event queue, and like them NEVER renamed. Its jobs' data are the admin's operations (apps/admin's
 * operations.ts owns their schema); finished ones are kept a week, failed ones a month, for the status routes.
 */
export const OPERATIONS_QUEUE = 'admin-operations';
export const OPERATIONS_JOB_OPTIONS = {
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;

/** Who carries a task out. A task whose downstream is not configured is recorded as done, not sent. */
export type Downstream = 'agentapi' | 'mas' | 'codegen';

export interface TaskDefinition {
  queue: QueueName;
  /** BullMQ priority: 1 is the highest; larger numbers wait behind smaller ones. */
  priority: number;
  downstream: Downstream;
}

/** Every task type, its queue and its downstream; a task type without a queue does not compile. */
export const TASK_TYPES = {
  pull_request_analysis: { queue: 'validation', priority: 1, downstream: 'agentapi' },
  /** MAS's review of a pull request; completed by MAS's callback, not by the job. */
  review_pull_request: { queue: 'validation', priority: 1, downstream: 'mas' },
  push_analysis: { queue: 'deployment', priority: 2, downstream: 'agentapi' },
  deployment: { queue: 'deployment', priority: 2, downstream: 'agentapi' },
  check_failure_analysis: { queue: 'recovery', priority: 2, downstream: 'agentapi' },
  check_suite_failure_analysis: { queue: 'recovery', priority: 2, downstream: 'agentapi' },
  /** A user's request to the bot in a comment ("@hookfleet fix the flaky test"), run by Codegen. */
  codegen_trigger: { queue: 'workflow', priority: 1, downstream: 'codegen' },
} as const satisfies Record<string, TaskDefinition>;
export type TaskType = keyof typeof TASK_TYPES;
export const TASK_TYPE_NAMES = Object.keys(TASK_TYPES) as [TaskType, ...TaskType[]];

/** Process one stored event. */
export const EVENT_JOB_NAME = 'event.process';
/** Forward-mode sources: deliver one stored event to the source's URL (its own retries). */
export const FORWARD_JOB_NAME = 'event.forward';

/**
 * The trace context a job carries from whoever queued it (W3C Trace Context). Jobs queued before tracing
 * have none, and a malformed one is dropped rather than failing the job: tracing never stops processing.
 */
const traceCarrierSchema = z
  .object({ traceparent: z.string().max(128), tracestate: z.string().max(512).optional() })
  .optional()
  .catch(undefined) satisfies z.ZodType<TraceCarrier | undefined>;

/** The trace context a job's data carries, if any (any job: event or forward). */
export function jobTraceCarrier(data: unknown): TraceCarrier | undefined {
  return traceCarrierSchema.parse((data as { trace?: unknown } | null)?.trace);
}

/**
 * Job data is the event id (the payload stays in Postgres; the worker re-reads the row), the retry
 * overrides that apply to it, so the backoff strategy can read them without a query, and the trace context.
 */
export const eventJobDataSchema = z.object({
  eventId: z.uuid(),
  retry: retryOverridesSchema.optional(),
  trace: traceCarrierSchema,
});
export type EventJobData = z.infer<typeof eventJobDataSchema>;

export const forwardJobDataSchema = z.object({
  eventId: z.uuid(),
  generation: z.number().int().min(0),
  trace: traceCarrierSchema,
});
export type ForwardJobData = z.infer<typeof forwardJobDataSchema>;

/**
 * The job catalogue of the event queues: each job's name and the schema of its data. NEVER rename a job:
 * waiting jobs carry their name. Retries: event.process follows the JOB_* policy with its task type's and
 * source's overrides (carried in its data, read by the backoff strategy); event.forward makes its source's
 * maxRetries attempts (see enqueueEvent and enqueueForward).
 */
export const EVENT_QUEUE_JOBS = {
  [EVENT_JOB_NAME]: { data: eventJobDataSchema },
  [FORWARD_JOB_NAME]: { data: forwardJobDataSchema },
} as const;
export type EventQueueJobName = keyof typeof EVENT_QUEUE_JOBS;
export type EventQueueJobDataOf<Name extends EventQueueJobName> = z.infer<(typeof EVENT_QUEUE_JOBS)[Name]['data']>;
/** What an event queue's job carries: one of the catalogue's shapes. */
export type EventQueueJobData = EventQueueJobDataOf<EventQueueJobName>;

/** Whether a job of an event queue is the named one; its data then has that entry's shape. */
export function isJobNamed<Name extends EventQueueJobName>(
  job: Job<EventQueueJobData>,
  name: Name,
): job is Job<EventQueueJobDataOf<Name>> {
  return job.name === name;
}

/**
 * Deterministic job id, so one event is never queued twice by accident. Generation 0 is the delivery
 * itself; each reprocess bumps the generation, each task retry bumps `retry`, each giving a new id.
 * (BullMQ refuses ':' in custom ids, hence the dashes.)
 */
export function eventJobId(eventId: string, generation = 0, retry = 0): string {
  return `event-${eventId}-g${generation}${retry > 0 ? `-retry${retry}` : ''}`;
}

/** The parts of an eventJobId, or null for an id that is not one. */
export function parseEventJobId(jobId: string): { eventId: string; generation: number; retry: number } | null {
  const match = /^event-([0-9a-f-]{36})-g(\d+)(?:-retry(\d+))?$/.exec(jobId);
  if (!match) return null;
  return { eventId: match[1]!, generation: Number(match[2]), retry: Number(match[3] ?? 0) };
}

export function forwardJobId(eventId: string, generation: number): string {
  return `forward-${eventId}-g${generation}`;
}
