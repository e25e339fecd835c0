// The reconciler: the committed event row is the outbox, and this is what makes "stored" imply "processed
// or dead" whatever happened to Redis or to a process between the INSERT and the job. On a schedule it takes
// every unfinished event untouched for a while and checks its job: missing (never added, or lost with
// Redis's data) -> added again under its deterministic id; failed by BullMQ with the event still unfinished
// -> the event marked dead with the job's reason; waiting, delayed or running -> left alone. Adding under the
// same id is a no-op for a job that exists, so a second reconciler (or a redelivery) cannot queue it twice.
import type { PrismaClient } from '@hookfleet/db';
import { queueNameOf } from '@hookfleet/queue';
import { planStoredEvent, type DispatchDeps } from './dispatch.js';
import { requeueNamedJob } from './requeue.js';
import { JOB_OWNED_EVENT_STATUSES, UNFINISHED_EVENT_STATUSES } from './statuses.js';
import { oldestUnfinishedAgeSeconds } from './unfinished-age.js';

/**
 * A job BullMQ failed for the last time outside a run that could record it (stalled out, an error before the
 * run wrote anything): its event, if still unfinished and still this job's, is dead with the reason.
 */
export async function markDeadAfterFailedJob(
  prisma: PrismaClient,
  failed: { eventId: string; jobId: string; reason: string },
): Promise<boolean> {
  const { count } = await prisma.webhookEvent.updateMany({
    where: { id: failed.eventId, jobId: failed.jobId, status: { in: [...JOB_OWNED_EVENT_STATUSES] } },
    data: { status: 'dead', lastError: `the job failed outside its run: ${failed.reason}` },
  });
  return count > 0;
}

export interface ReconcileResult {
  /** Unfinished events old enough to look at. */
  checked: number;
  /** Never queued (`received`): queued now. */
  queued: number;
  /** Queued once, job gone: added again. */
  requeued: number;
  /** Job failed for good, event still unfinished: marked dead. */
  markedDead: number;
  /** The oldest unfinished event's age at the end of the run (0: none). */
  oldestUnfinishedAgeSeconds: number;
  /** Where the next run goes on (the sequence after the last row checked); null: from the start again. */
  nextAfterSequence: string | null;
}

const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

export async function reconcileEvents(
  deps: DispatchDeps,
  /** Runs go through the unfinished events a batch at a time, each from where the last one stopped, so a
   * backlog of live jobs at the front cannot hide a lost one behind it. */
  options: { staleAfterMs: number; batchSize: number; afterSequence?: string | null; now?: Date },
): Promise<ReconcileResult> {
  const now = options.now ?? new Date();
  const stale = await deps.prisma.webhookEvent.findMany({
    where: {
      status: { in: [...UNFINISHED_EVENT_STATUSES] },
      updatedAt: { lt: new Date(now.getTime() - options.staleAfterMs) },
      ...(options.afterSequence ? { sequence: { gt: BigInt(options.afterSequence) } } : {}),
    },
    select: { id: true, status: true, jobId: true, queue: true, generation: true, sequence: true },
    orderBy: { sequence: 'asc' },
    take: options.batchSize,
  });
  const result: ReconcileResult = {
    checked: stale.length,
    queued: 0,
    requeued: 0,
    markedDead: 0,
    oldestUnfinishedAgeSeconds: 0,
    nextAfterSequence: stale.length === options.batchSize ? String(stale.at(-1)!.sequence) : null,
  };
  for (const event of stale) {
    const queue = queueNameOf(event.queue);
    const job = event.jobId ? await deps.queues[queue].getJob(event.jobId) : undefined;
    if (job) {
      const state = await job.getState();
      if (LIVE_JOB_STATES.has(state)) continue;
      if (state === 'failed') {
        const reason = job.failedReason || 'failed';
        if (await markDeadAfterFailedJob(deps.prisma, { eventId: event.id, jobId: event.jobId!, reason })) {
          result.markedDead += 1;
        }
      }
      // completed with the event unfinished: the run that completed it was superseded and wrote nothing;
      // the event's own (newer) job is another id, or the event is finished by now. Nothing to add.
      continue;
    }
    const { plan, sourceRetry } = await planStoredEvent(deps, await loadForPlanning(deps.prisma, event.id));
    // The same job id as before (generation, and which retry), so a job that does exist is not doubled.
    await requeueNamedJob(deps, event, { plan, sourceRetry });
    if (event.status === 'received') result.queued += 1;
    else result.requeued += 1;
  }
  result.oldestUnfinishedAgeSeconds = await oldestUnfinishedAgeSeconds(deps.prisma, now);
  return result;
}

function loadForPlanning(prisma: PrismaClient, id: string) {
  return prisma.webhookEvent.findUniqueOrThrow({
    where: { id },
    select: { provider: true, eventType: true, action: true, payload: true, plan: true, sourceId: true },
  });
}
