// Forward- and transform-mode sources: the work a source's processing mode adds to an event's run.
import { UnrecoverableError } from 'bullmq';
import { Prisma } from '@hookfleet/db';
import { enqueueForward, type QueueName } from '@hookfleet/queue';
import { readSourceSetting } from '@hookfleet/sources';
import type { EventRecord, ProcessorDeps } from './run-context.js';

/** A source's processing mode: forward (deliver the event to its URL) and transform need work; store needs none. */
export async function applyProcessingMode(deps: ProcessorDeps, event: EventRecord, queue: QueueName): Promise<void> {
  if (!event.sourceId) return;
  const source = await deps.prisma.source.findUnique({ where: { id: event.sourceId }, select: { settings: true } });
  const processing = readSourceSetting(source?.settings, 'processing');
  if (!processing) return;
  if (processing.mode === 'transform') {
    const outcome = await deps.transforms.run(processing.expression, event.payload);
    if (!outcome.ok) {
      // The sandbox's own failure (closed on shutdown, a child killed from outside) is worth a retry; the
      // same expression on the same payload fails the same way every time: permanent.
      if (outcome.sandboxFailed) throw new Error(`transform sandbox failed: ${outcome.message}`);
      throw new UnrecoverableError(
        outcome.limit
          ? `transform exceeded its ${outcome.limit} limit: ${outcome.message}`
          : `transform failed: ${outcome.message}`,
      );
    }
    await deps.prisma.webhookEvent.update({
      where: { id: event.id },
      data: {
        transformed: outcome.result === null ? Prisma.JsonNull : (outcome.result as Prisma.InputJsonValue),
      },
    });
  }
  if (processing.mode === 'forward') {
    await enqueueForward(deps.queues, {
      eventId: event.id,
      generation: event.generation,
      queue,
      maxRetries: processing.maxRetries,
    });
  }
}
