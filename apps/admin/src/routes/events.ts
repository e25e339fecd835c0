import type { RequestHandler } from 'express';
import type { PrismaClient } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import type { QueueName } from '@hookfleet/queue';
import { reprocessEvent } from '../reprocess-event.js';
import { eventSummary, executionView, taskView } from '../serializers.js';
import type { DispatchDeps } from '@hookfleet/events';
import { parseInput } from '../validation.js';
import { idParams } from './shared.js';
import {
  countEvents,
  eventFilterSchema,
  eventListFilter,
  eventPage,
  findEventIds,
  splitPayloadFields,
} from '../event-query.js';

const listQuery = eventFilterSchema
  .extend({ ...eventListFilter.shape, ...eventPage.shape })
  .refine((query) => query.cursor === undefined || query.offset === undefined, {
    path: ['offset'],
    message: 'give a cursor or an offset, not both',
  });

interface BoundedDocument {
  value: unknown;
  /** Size of the whole document as JSON text. */
  bytes: number | null;
  /** When the document is larger than the limit, `value` is null and this holds its first characters as JSON text. */
  preview: string | null;
}

/**
 * An event's payload and transformed documents, each whole when it fits under `limit` bytes as JSON, else
 * its first `limit` characters: Postgres measures and cuts, so a huge document never reaches this process.
 */
async function boundedDocuments(prisma: PrismaClient, id: string, limit: number) {
  const [row] = await prisma.$queryRaw<
    Array<{
      payload_bytes: number;
      payload: unknown;
      payload_preview: string | null;
      transformed_bytes: number | null;
      transformed: unknown;
      transformed_preview: string | null;
    }>
  >`
    SELECT sizes.payload_bytes, sizes.transformed_bytes,
           CASE WHEN sizes.payload_bytes <= ${limit} THEN e.payload END AS payload,
           CASE WHEN sizes.payload_bytes > ${limit} THEN left(e.payload::text, ${limit}) END AS payload_preview,
           CASE WHEN sizes.transformed_bytes <= ${limit} THEN e.transformed END AS transformed,
           CASE WHEN sizes.transformed_bytes > ${limit} THEN left(e.transformed::text, ${limit}) END AS transformed_preview
      FROM webhook_events e,
           LATERAL (SELECT octet_length(e.payload::text) AS payload_bytes,
                           octet_length(e.transformed::text) AS transformed_bytes) sizes
     WHERE e.id = ${id}::uuid`;
  if (!row) return null;
  const document = (value: unknown, bytes: number | null, preview: string | null): BoundedDocument => ({
    value: value ?? null,
    bytes: bytes === null ? null : Number(bytes),
    preview,
  });
  return {
    payload: document(row.payload, row.payload_bytes, row.payload_preview),
    transformed: document(row.transformed, row.transformed_bytes, row.transformed_preview),
  };
}

const documentView = (name: 'payload' | 'transformed', document: BoundedDocument) => ({
  [name]: document.value,
  [`${name}_bytes`]: document.bytes,
  [`${name}_truncated`]: document.preview !== null,
  ...(document.preview !== null ? { [`${name}_preview`]: document.preview } : {}),
});

export function eventHandlers(
  deps: DispatchDeps & { maxInlineBytes: number },
): Record<'list' | 'show' | 'reprocess', RequestHandler> {
  const list: RequestHandler = async (req, res) => {
    const { limit, cursor, offset, ...filter } = parseInput(listQuery, splitPayloadFields(req.query));
    const [page, count] = await Promise.all([
      findEventIds(deps.prisma, filter, { limit, cursor, offset }),
      countEvents(deps.prisma, filter),
    ]);
    const events = await deps.prisma.webhookEvent.findMany({
      where: { id: { in: page.ids } },
      omit: { payload: true, headers: true, normalized: true, transformed: true, plan: true },
    });
    const byId = new Map(events.map((event) => [event.id, event]));
    res.json({
      data: page.ids.flatMap((id) => (byId.has(id) ? [eventSummary(byId.get(id)!)] : [])),
      // total_capped: there are more than `total` (see EVENT_COUNT_CAP).
      // offset: null on a cursor page.
      pagination: {
        limit,
        offset: cursor === undefined ? (offset ?? 0) : null,
        next_cursor: page.nextCursor,
        total: count.total,
        total_capped: count.capped,
      },
    });
  };

  const show: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const documents = await boundedDocuments(deps.prisma, id, deps.maxInlineBytes);
    if (!documents) throw new AppError('event_not_found', `no event ${id}`);
    const event = await deps.prisma.webhookEvent.findUnique({
      where: { id },
      omit: { payload: true, transformed: true, plan: true },
      include: {
        tasks: { include: { executions: { orderBy: { startedAt: 'asc' } } }, orderBy: { createdAt: 'asc' } },
        forwardAttempts: { orderBy: [{ generation: 'asc' }, { attempt: 'asc' }] },
      },
    });
    if (!event) throw new AppError('event_not_found', `no event ${id}`);
    const job = event.jobId ? await deps.queues[event.queue as QueueName].getJob(event.jobId) : undefined;
    res.json({
      ...eventSummary(event),
      source_id: event.sourceId,
      matched_secret_id: event.matchedSecretId,
      headers: event.headers,
      ...documentView('payload', documents.payload),
      normalized: event.normalized,
      validation: event.validation,
      ...documentView('transformed', documents.transformed),
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
  };

  const reprocess: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const result = await reprocessEvent(deps, id);
    res
      .status(202)
      .json({ status: 'reprocessing', event_id: result.eventId, generation: result.generation, job_id: result.jobId });
  };

  return { list, show, reprocess };
}
