// Per-workflow ordering, as a run's first step: a job whose event's turn has not come goes back to the
// delayed set (no attempt used) and looks again shortly; an earlier event whose job never made it is queued.
import { DelayedError, type Job } from 'bullmq';
import {
  earliestUnfinishedBefore,
  isStranded,
  planStoredEvent,
  requeueNamedJob,
  type Blocker,
} from '@hookfleet/events';
import { annotateActiveSpan, type Logger } from '@hookfleet/observability';
import type { EventPlan } from '@hookfleet/planning';
import type { EventJobData, QueueName } from '@hookfleet/queue';
import type { EventRecord, ProcessorDeps } from './run-context.js';

/** Returns when every earlier event of the event's workflow has finished; otherwise throws DelayedError. */
export async function waitForTurn(
  deps: ProcessorDeps,
  run: {
    job: Job<EventJobData>;
    token: string | undefined;
    event: EventRecord;
    plan: EventPlan;
    queue: QueueName;
    logger: Logger;
  },
): Promise<void> {
  const { event, plan } = run;
  if (!event.workflowKey) return;
  const blocker = await earliestUnfinishedBefore(deps.prisma, {
    workflowKey: event.workflowKey,
    sequence: event.sequence,
    // A check tied only to its commit joins the pull request whose head that commit is: it must not run
    // before the repository's earlier events, one of which may be that pull request's.
    repository: plan.workflow?.kind === 'commit' ? { provider: event.provider, name: plan.workflow.repository } : null,
  });
  if (!blocker) return;
  annotateActiveSpan({ 'hookfleet.waiting_for_event_id': blocker.id });
  await requeueIfStranded(deps, blocker, run.logger);
  deps.metrics.orderingWaits.inc({ queue: run.queue });
  run.logger.debug('waiting for an earlier event of the workflow', { blocked_by: blocker.id });
  // Back to the delayed set without using an attempt; BullMQ wants the DelayedError thrown after.
  await run.job.moveToDelayed(Date.now() + deps.orderingDelayMs, run.token);
  throw new DelayedError();
}

/**
 * The ingress answers 503 and leaves the row `received` when Redis is down, and GitHub does not redeliver
 * on its own: without this, that event would hold its whole workflow back. Its job id is deterministic,
 * so two waiting jobs queueing it at once add one job.
 */
async function requeueIfStranded(deps: ProcessorDeps, blocker: Blocker, logger: Logger): Promise<void> {
  // Measured from when the row last changed: an event an operator just put back to `received` is being
  // queued by the admin at this moment, and queueing it here too would make a second job.
  if (Date.now() - blocker.updatedAt.getTime() < deps.strandedAfterMs) return;
  if (!(await isStranded(deps.queues, blocker))) return;
  const { plan, sourceRetry } = await planStoredEvent(deps, blocker);
  await requeueNamedJob(deps, blocker, { plan, sourceRetry });
  logger.warn('queued a stranded earlier event of the workflow', { stranded_event_id: blocker.id });
}
