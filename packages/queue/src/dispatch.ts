// Puts a stored event on its queue and records that it is there. An event row stays `received` until its
// job exists in Redis, so a row left `received` is exactly one that may still need enqueueing.
import type { PrismaClient } from '@hookfleet/db';
import { TASK_TYPES, type QueueName, type TaskType } from './catalog.js';
import { enqueueEvent, type EventQueues } from './queues.js';

export interface DispatchEvent {
  eventId: string;
  queue: QueueName;
  taskType: TaskType | null;
  generation?: number;
  retry?: number;
}

export async function dispatchEvent(
  deps: { prisma: PrismaClient; queues: EventQueues },
  event: DispatchEvent,
): Promise<string> {
  const jobId = await enqueueEvent(deps.queues, {
    ...event,
    priority: event.taskType ? TASK_TYPES[event.taskType].priority : undefined,
  });
  // Conditional: a fast worker may already have moved the event on to processing.
  await deps.prisma.webhookEvent.updateMany({
    where: { id: event.eventId, status: 'received' },
    data: { status: 'queued', queuedAt: new Date(), jobId },
  });
  return jobId;
}
