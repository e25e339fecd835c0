import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Metrics } from '@hookfleet/observability';
import { QUEUE_NAMES } from '@hookfleet/queue';
import { discardDeadLetter, listDeadLetters, retryDeadLetter } from '../dead-letters.js';
import type { DispatchDeps } from '@hookfleet/events';
import { parseInput } from '../validation.js';
import { pagination } from './shared.js';

export const deadLetterListQuery = pagination.extend({ queue: z.enum(QUEUE_NAMES).optional() });
const jobParams = z.object({ queue: z.enum(QUEUE_NAMES), jobId: z.string().min(1).max(200) });

export function deadLetterHandlers(
  deps: DispatchDeps & { metrics: Metrics },
): Record<'list' | 'retry' | 'discard', RequestHandler> {
  const list: RequestHandler = async (req, res) => {
    const query = parseInput(deadLetterListQuery, req.query);
    const queues = query.queue ? [query.queue] : [...QUEUE_NAMES];
    const page = await listDeadLetters(deps, queues, query);
    res.json({ data: page.data, pagination: { limit: query.limit, offset: query.offset, total: page.total } });
  };

  const retry: RequestHandler = async (req, res) => {
    const { queue, jobId } = parseInput(jobParams, req.params);
    res.status(202).json({ status: 'retrying', ...(await retryDeadLetter(deps, queue, jobId)) });
  };

  const discard: RequestHandler = async (req, res) => {
    const { queue, jobId } = parseInput(jobParams, req.params);
    res.json({ status: 'discarded', ...(await discardDeadLetter(deps, queue, jobId)) });
  };

  return { list, retry, discard };
}
