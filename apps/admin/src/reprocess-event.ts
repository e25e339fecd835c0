// Reprocess: run a finished event again as a new generation (new job id, new tasks), planned afresh by this
// version's planners and stored as the event's plan, so a planner fix reaches the events an operator re-runs
// and every app reads the new generation's plan from the row. Events still on their way (queued, processing,
// or failed awaiting BullMQ's retry) are refused, so two clicks or a reprocess racing a retry can never run
// an event twice at once.
import { AppError } from '@hookfleet/http';
import {
  dispatchEvent,
  FINISHED_EVENT_STATUSES,
  isStatusIn,
  planStoredEvent,
  requeueFinishedEvent,
  type DispatchDeps,
} from '@hookfleet/events';
import type { Prisma } from '@hookfleet/db';
import { planEvent, planOptionsOf } from '@hookfleet/planning';
import { eventJobId } from '@hookfleet/queue';

export interface ReprocessResult {
  eventId: string;
  generation: number;
  jobId: string;
}

export async function reprocessEvent(deps: DispatchDeps, eventId: string): Promise<ReprocessResult> {
  const event = await deps.prisma.webhookEvent.findUnique({
    where: { id: eventId },
    select: {
      id: true,
      provider: true,
      status: true,
      generation: true,
      queue: true,
      jobId: true,
      eventType: true,
      action: true,
      payload: true,
      plan: true,
      sourceId: true,
    },
  });
  if (!event) throw new AppError('event_not_found', `no event ${eventId}`);
  const { plan, sourceRetry } = await planStoredEvent(deps, event);

  if (event.status === 'received') {
    // Stored but never queued: queue the current generation (its job id makes this idempotent).
    const jobId = await dispatchEvent(deps, {
      eventId,
      plan,
      sourceRetry,
      generation: event.generation,
    });
    return { eventId, generation: event.generation, jobId };
  }
  if (!isStatusIn(FINISHED_EVENT_STATUSES, event.status)) {
    throw new AppError('event_in_progress', `event is ${event.status}; reprocess it once it is processed or dead`);
  }

  const generation = event.generation + 1;
  const fresh = planEvent(event, planOptionsOf(deps.config));
  // Conditional on the state read above: of two concurrent reprocesses, one wins.
  const claimed = await deps.prisma.webhookEvent.updateMany({
    where: { id: eventId, status: event.status, generation: event.generation },
    // The new job's id goes with the claim, so the reconciler queues exactly this one should the add fail.
    data: {
      status: 'received',
      generation,
      lastError: null,
      queue: fresh.queue,
      plan: fresh as unknown as Prisma.InputJsonObject,
      jobId: eventJobId(eventId, generation),
    },
  });
  if (claimed.count === 0) throw new AppError('event_in_progress', 'event changed meanwhile; reload it');

  const jobId = await requeueFinishedEvent(deps, event, { plan: fresh, sourceRetry, generation });
  return { eventId, generation, jobId };
}
