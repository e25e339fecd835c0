// Per-workflow ordering: an event runs only when every earlier event (by delivery sequence) of its workflow
// has finished, so one pull request's events are processed one at a time, in delivery order, while other
// pull requests' events run in parallel on the same queues. BullMQ's open-source queues have no groups,
// so a job whose turn has not come is moved back to the delayed set (Job#moveToDelayed + DelayedError),
// which costs no attempt, and tries again shortly.
import type { EventStatus, PrismaClient } from '@hookfleet/db';
import { UNFINISHED_EVENT_STATUSES } from './statuses.js';

export interface Blocker {
  id: string;
  status: EventStatus;
  receivedAt: Date;
  updatedAt: Date;
  generation: number;
  jobId: string | null;
  queue: string;
  provider: string;
  eventType: string;
  action: string | null;
  payload: unknown;
  plan: unknown;
  sourceId: string | null;
}

export async function earliestUnfinishedBefore(
  prisma: PrismaClient,
  event: {
    workflowKey: string;
    sequence: bigint;
    /** Also wait for every earlier event of this repository (checks that join a pull request by commit). */
    repository?: { provider: string; name: string } | null;
  },
): Promise<Blocker | null> {
  const sameWorkflow = { workflowKey: event.workflowKey };
  return prisma.webhookEvent.findFirst({
    where: {
      ...(event.repository
        ? { OR: [sameWorkflow, { provider: event.repository.provider, repository: event.repository.name }] }
        : sameWorkflow),
      sequence: { lt: event.sequence },
      status: { in: [...UNFINISHED_EVENT_STATUSES] },
    },
    orderBy: { sequence: 'asc' },
    select: {
      id: true,
      status: true,
      receivedAt: true,
      updatedAt: true,
      generation: true,
      jobId: true,
      queue: true,
      provider: true,
      eventType: true,
      action: true,
      payload: true,
      plan: true,
      sourceId: true,
    },
  });
}
