// Fencing for event runs. BullMQ hands a job to another worker when its lock expires (a crash, or a
// worker frozen by a GC pause, a VM stall or SIGSTOP); the original may wake up and carry on. Each run
// stamps the event with its own token when it starts, and writes outcomes only while the token is still
// its own, under a row lock, so a late original cannot overwrite its successor's result.
import type { Prisma, PrismaClient } from '@hookfleet/db';

export class SupersededRunError extends Error {
  override name = 'SupersededRunError';
  constructor(eventId: string) {
    super(`event ${eventId} was taken over by another run (this one lost its lock): its outcome is not written`);
  }
}

export async function asOwner(
  prisma: PrismaClient,
  owner: { eventId: string; runToken: string },
  writes: (tx: Prisma.TransactionClient) => Promise<unknown>,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const owned = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM webhook_events WHERE id = ${owner.eventId}::uuid AND run_token = ${owner.runToken}::uuid FOR UPDATE`;
    if (owned.length === 0) throw new SupersededRunError(owner.eventId);
    await writes(tx);
  });
}
