// Queueing a stored event again: a stranded one (stored but never queued, or its job lost) under the job
// its row names, and a finished one (reprocess, task retry) under the new job its caller claimed it for.
import { isJobMissing, parseEventJobId, queueNameOf, type EventQueues, type RetryOverrides } from '@hookfleet/queue';
import type { EventStatus } from '@hookfleet/db';
import type { EventPlan } from '@hookfleet/planning';
import { dispatchEvent, type DispatchDeps } from './dispatch.js';

/**
 * Whether an event's job never made it: `received` was never queued; `queued` with no job means its ingress
 * died between the commit and the add, or Redis lost the job.
 */
export async function isStranded(
  queues: EventQueues,
  event: { status: EventStatus; queue: string; jobId: string | null },
): Promise<boolean> {
  return event.status === 'received' || (event.status === 'queued' && (await isJobMissing(queues, event)));
}

/**
 * Queues the job the row names (a retry's carries its number; a row without one, its generation's first), so
 * a job that does exist after all is not doubled: adding an existing job id is a no-op. It goes on the queue
 * the row names, which is where the reconciler and a redelivery look for it.
 */
export function requeueNamedJob(
  deps: DispatchDeps,
  event: { id: string; generation: number; queue: string; jobId: string | null },
  run: { plan: Pick<EventPlan, 'queue' | 'tasks'>; sourceRetry: RetryOverrides | undefined },
): Promise<string> {
  const named = event.jobId ? parseEventJobId(event.jobId) : null;
  return dispatchEvent(deps, {
    eventId: event.id,
    plan: { ...run.plan, queue: queueNameOf(event.queue) },
    sourceRetry: run.sourceRetry,
    generation: named?.generation ?? event.generation,
    retryNumber: named?.retry ?? 0,
  });
}

/**
 * Queues a finished event again once its caller has claimed it (set it back to `received` under the new
 * job's id). The previous job leaves the failed set (the dead-letter queue): its event is being handled again.
 */
export async function requeueFinishedEvent(
  deps: DispatchDeps,
  previous: { id: string; queue: string; jobId: string | null },
  run: {
    plan: Pick<EventPlan, 'queue' | 'tasks'>;
    sourceRetry: RetryOverrides | undefined;
    generation: number;
    retryNumber?: number;
  },
): Promise<string> {
  if (previous.jobId) {
    const job = await deps.queues[queueNameOf(previous.queue)].getJob(previous.jobId);
    if (job && (await job.isFailed())) await job.remove();
  }
  return dispatchEvent(deps, { eventId: previous.id, ...run });
}
