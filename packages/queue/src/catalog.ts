// The one place queue names, task types and job shapes are defined.
import { z } from 'zod';

/**
 * Queue names. NEVER rename one: they are part of BullMQ's Redis keys, so a rename strands every job
 * already waiting under the old name.
 */
export const QUEUE_NAMES = ['deployment', 'validation', 'workflow', 'recovery', 'default'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface TaskDefinition {
  queue: QueueName;
  /** BullMQ priority: 1 is the highest; larger numbers wait behind smaller ones. */
  priority: number;
}

/** Every task type and the queue that runs it; a task type without a queue does not compile. */
export const TASK_TYPES = {
  pull_request_analysis: { queue: 'validation', priority: 1 },
  push_analysis: { queue: 'deployment', priority: 2 },
  check_failure_analysis: { queue: 'recovery', priority: 2 },
  check_suite_failure_analysis: { queue: 'recovery', priority: 2 },
} as const satisfies Record<string, TaskDefinition>;
export type TaskType = keyof typeof TASK_TYPES;

/** The only job name: process one stored event. */
export const EVENT_JOB_NAME = 'event.process';

/** Job data is the event id only: the payload stays in Postgres, the worker re-reads the row. */
export const eventJobDataSchema = z.object({ eventId: z.string().uuid() });
export type EventJobData = z.infer<typeof eventJobDataSchema>;

/**
 * Deterministic job id, so one event is never queued twice by accident. Generation 0 is the delivery
 * itself; each reprocess bumps the generation, each task retry bumps `retry`, each giving a new id.
 * (BullMQ refuses ':' in custom ids, hence the dashes.)
 */
export function eventJobId(eventId: string, generation = 0, retry = 0): string {
  return `event-${eventId}-g${generation}${retry > 0 ? `-retry${retry}` : ''}`;
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
}
