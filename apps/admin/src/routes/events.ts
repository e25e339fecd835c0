import { Router } from 'express';
import { AppError } from '@hookfleet/http';
import type { QueueName } from '@hookfleet/queue';
import { reprocessEvent } from '../reprocess-event.js';
import { eventSummary, executionView, taskView } from '../serializers.js';
import type { RedispatchDeps } from '../redispatch.js';
import { parseInput } from '../validation.js';
import { idParams } from './shared.js';
import { countEvents, cursorPage, eventFilterSchema, findEventIds, splitPayloadFields } from '../event-query.js';

const listQuery = eventFilterSchema.extend(cursorPage.shape);

export function eventRoutes(deps: RedispatchDeps): Router {
  const router = Router();

  router.get('/api/v1/events', async (req, res) => {
    const { limit, cursor, ...filter } = parseInput(listQuery, splitPayloadFields(req.query));
    const [page, total] = await Promise.all([
      findEventIds(deps.prisma, filter, { limit, cursor }),
      countEvents(deps.prisma, filter),
    ]);
    const events = await deps.prisma.webhookEvent.findMany({
      where: { id: { in: page.ids } },
      omit: { payload: true, headers: true, normalized: true, transformed: true },
    });
    const byId = new Map(events.map((event) => [event.id, event]));
    res.json({
      data: page.ids.flatMap((id) => (byId.has(id) ? [eventSummary(byId.get(id)!)] : [])),
      pagination: { limit, next_cursor: page.nextCursor, total },
    });
  });

  router.get('/api/v1/events/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const event = await deps.prisma.webhookEvent.findUnique({
      where: { id },
      include: {
        tasks: { include: { executions: { orderBy: { startedAt: 'asc' } } }, orderBy: { createdAt: 'asc' } },
        forwardAttempts: { orderBy: [{ generation: 'asc' }, { attempt: 'asc' }] },
      },
    });
    if (!event) throw new AppError(404, 'event_not_found', `no event ${id}`);
    const job = event.jobId ? await deps.queues[event.queue as QueueName].getJob(event.jobId) : undefined;
    res.json({
      ...eventSummary(event),
      source_id: event.sourceId,
      matched_secret_id: event.matchedSecretId,
      headers: event.headers,
      payload: event.payload,
      normalized: event.normalized,
      validation: event.validation,
      transformed: event.transformed,
      forward_attempts: event.forwardAttempts.map((attempt) => ({
        generation: attempt.generation,
        attempt: attempt.attempt,
        url: attempt.url,
        status_code: attempt.statusCode,
        error_message: attempt.error,
        duration_ms: attempt.durationMs,
        created_at: attempt.createdAt,
      })),
      tasks: event.tasks.map((task) => ({ ...taskView(task), executions: task.executions.map(executionView) })),
      job: job
        ? {
            id: job.id,
            queue: job.queueName,
            state: await job.getState(),
            attempts_made: job.attemptsMade,
            max_attempts: job.opts.attempts ?? 1,
            failed_reason: job.failedReason ?? null,
            created_at: new Date(job.timestamp),
            processed_at: job.processedOn ? new Date(job.processedOn) : null,
            finished_at: job.finishedOn ? new Date(job.finishedOn) : null,
          }
        : null,
    });
  });

  router.post('/api/v1/events/:id/reprocess', async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const result = await reprocessEvent(deps, id);
    res
      .status(202)
      .json({ status: 'reprocessing', event_id: result.eventId, generation: result.generation, job_id: result.jobId });
  });

  return router;
}
