// How far behind the system is: the age of the oldest event that still owes a result, per queue.
import type { PrismaClient } from '@hookfleet/db';
import { QUEUE_NAMES, queueNameOf, type QueueName } from '@hookfleet/queue';
import { UNFINISHED_EVENT_STATUSES } from './statuses.js';

/**
 * How long the oldest unfinished event of each queue has waited since its delivery (0: none). Unfinished
 * rows are few when the system keeps up; under a backlog this reads them all through the status index.
 */
export async function oldestUnfinishedAgeByQueue(
  prisma: PrismaClient,
  now = new Date(),
): Promise<Record<QueueName, number>> {
  const rows = await prisma.$queryRaw<Array<{ queue: string; age: number }>>`
    SELECT queue, extract(epoch FROM (${now}::timestamptz - min(received_at)))::float8 AS age
      FROM webhook_events WHERE status = ANY(${[...UNFINISHED_EVENT_STATUSES]}::"EventStatus"[]) GROUP BY queue`;
  const ages = Object.fromEntries(QUEUE_NAMES.map((queue) => [queue, 0])) as Record<QueueName, number>;
  for (const row of rows) {
    const queue = queueNameOf(row.queue);
    ages[queue] = Math.max(ages[queue], Math.max(0, Math.round(row.age)));
  }
  return ages;
}

/** The oldest of them all (0: none). */
export async function oldestUnfinishedAgeSeconds(prisma: PrismaClient, now = new Date()): Promise<number> {
  return Math.max(...Object.values(await oldestUnfinishedAgeByQueue(prisma, now)));
}
