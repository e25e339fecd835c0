// Fencing for event runs. BullMQ hands a job to another worker when its lock expires (a crash, or a
// worker frozen by a GC pause, a VM stall or SIGSTOP); the original may wake up and carry on. Each run
// stamps the event with its own token when it starts, and writes outcomes only while the token is still
// its own, under a row lock, so a late original cannot overwrite its successor's result.
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '@hookfleet/db';
import { RUNNABLE_EVENT_STATUSES } from './statuses.js';

/** A run's claim on its event: the token it stamped the row with. */
export interface RunOwner {
  eventId: string;
  runToken: string;
}

export class SupersededRunError extends Error {
  override name = 'SupersededRunError';
  constructor(eventId: string) {
    super(`event ${eventId} was taken over by another run (this one lost its lock): its outcome is not written`);
  }
}

export async function asOwner(
  prisma: PrismaClient,
  owner: RunOwner,
  writes: (tx: Prisma.TransactionClient) => Promise<unknown>,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const owned = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM webhook_events WHERE id = ${owner.eventId}::uuid AND run_token = ${owner.runToken}::uuid FOR UPDATE`;
    if (owned.length === 0) throw new SupersededRunError(owner.eventId);
    await writes(tx);
  });
}

/**
 * Takes the event for a new run: `processing`, one more attempt, this run's token and job. Null when the
 * event is finished meanwhile (processed or discarded): a run that froze before this point must not take
 * back an event its successor has since processed.
 */
export async function startRun(
  prisma: PrismaClient,
  run: { eventId: string; jobId: string | undefined },
): Promise<RunOwner | null> {
  const owner = { eventId: run.eventId, runToken: randomUUID() };
  const stamped = await prisma.webhookEvent.updateMany({
    where: { id: run.eventId, status: { in: [...RUNNABLE_EVENT_STATUSES] } },
    data: {
      status: 'processing',
      processingStartedAt: new Date(),
      attempts: { increment: 1 },
      runToken: owner.runToken,
      jobId: run.jobId,
    },
  });
  return stamped.count === 0 ? null : owner;
}

/** The event processed, if the run still owns it (one conditional UPDATE: the row lock is the UPDATE's own). */
export async function recordEventProcessed(prisma: PrismaClient, owner: RunOwner): Promise<void> {
  const { count } = await prisma.webhookEvent.updateMany({
    where: { id: owner.eventId, runToken: owner.runToken },
    data: { status: 'processed', processedAt: new Date(), lastError: null },
  });
  if (count === 0) throw new SupersededRunError(owner.eventId);
}
