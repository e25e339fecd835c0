// An event's lifecycle, its statuses as the schema defines them (prisma/schema.prisma's EventStatus):
//
//   received -> queued -> processing -> processed
//                            |  ^
//                            v  |
//                           failed -> dead -> discarded
//
// `received`: stored, not on a queue yet; `queued`: its job is in BullMQ; `processing`: a run holds it;
// `failed`: the last attempt failed and BullMQ retries it; `dead`: out of attempts (its job is in the
// dead-letter queue); `discarded`: an operator took it out of the dead-letter queue. Reprocess and retry
// put a finished event back to `received` under a new job id.
import type { EventStatus } from '@hookfleet/db';

/** Events that still owe a result: each needs a live job, or is waiting for one. */
export const UNFINISHED_EVENT_STATUSES = [
  'received',
  'queued',
  'processing',
  'failed',
] as const satisfies readonly EventStatus[];

/** Nothing more happens to these unless an operator asks (reprocess, retry, cleanup). */
export const FINISHED_EVENT_STATUSES = ['processed', 'dead', 'discarded'] as const satisfies readonly EventStatus[];

/** An event whose job BullMQ may still run or fail: queued, held by a run, or waiting for its retry. */
export const JOB_OWNED_EVENT_STATUSES = ['queued', 'processing', 'failed'] as const satisfies readonly EventStatus[];

/**
 * A run may take the event from these: any unfinished one, and a dead one (Bull Board's retry of a dead job).
 * A processed or discarded event is never taken back by a run that froze before it started.
 */
export const RUNNABLE_EVENT_STATUSES = [...UNFINISHED_EVENT_STATUSES, 'dead'] as const satisfies readonly EventStatus[];

/** A task may be retried while its event is one of these (BullMQ is done with it; discarded was on purpose). */
export const TASK_RETRYABLE_EVENT_STATUSES = ['processed', 'dead'] as const satisfies readonly EventStatus[];

/**
 * The admin API's `processed` flag: true for these, false for every other status (still on its way, or
 * finished without success: dead, discarded). The list's `processed` filter and each event's field agree.
 */
export const PROCESSED_EVENT_STATUSES = ['processed'] as const satisfies readonly EventStatus[];

/** The last attempt failed, for good or not: the error-rate statuses. */
export const FAILED_EVENT_STATUSES = ['failed', 'dead'] as const satisfies readonly EventStatus[];

/** What a run that did not succeed writes: `dead` when no attempt follows, else `failed`. */
export function failedStatus(dead: boolean): 'dead' | 'failed' {
  return dead ? 'dead' : 'failed';
}

export function isStatusIn<Status extends EventStatus>(
  statuses: readonly Status[],
  status: EventStatus,
): status is Status {
  return (statuses as readonly EventStatus[]).includes(status);
}
