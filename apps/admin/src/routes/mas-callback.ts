// MAS's answer to a review_pull_request task. Not behind the admin token: MAS signs each callback with
// Standard Webhooks under MAS_CALLBACK_SECRET, and the signature is checked over the exact bytes received.
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { Prisma, PrismaClient } from '@hookfleet/db';
import { AppError, correlationIdOf } from '@hookfleet/http';
import type { Logger } from '@hookfleet/observability';
import { decodeUtf8, standardWebhooksProvider, toStorableJson, type RawDelivery } from '@hookfleet/providers';
import { parseInput } from '../validation.js';

export const MAS_CALLBACK_PATH = '/api/v1/mas/callback';
const MAS_TASK_TYPE = 'review_pull_request';
/** Optimistic updates that lose to a concurrent change are re-read and retried this many times. */
const MAX_APPLY_ATTEMPTS = 3;

const masCallbackSchema = z.object({
  task_id: z.string().min(1),
  status: z.enum(['completed', 'failed']),
  result: z.unknown().optional(),
  error: z.string().optional(),
});
export type MasCallback = z.infer<typeof masCallbackSchema>;

export interface MasCallbackOutcome {
  status: 'completed' | 'failed' | 'already_completed';
  /** Our WorkflowTask id. */
  taskId: string;
}

/**
 * Records MAS's verdict on the task it was given. A completed task is final: a repeated callback changes
 * nothing. A failure makes the task dead, not failed: no BullMQ attempt follows a MAS verdict, and the admin
 * retry endpoint accepts dead tasks.
 */
export async function applyMasCallback(prisma: PrismaClient, callback: MasCallback): Promise<MasCallbackOutcome> {
  for (let attempt = 0; attempt < MAX_APPLY_ATTEMPTS; attempt++) {
    const task = await prisma.workflowTask.findFirst({
      where: { externalTaskId: callback.task_id, taskType: MAS_TASK_TYPE },
      orderBy: { createdAt: 'desc' },
      select: { id: true, status: true, output: true, updatedAt: true },
    });
    if (!task) throw new AppError('task_not_found', `no ${MAS_TASK_TYPE} task with MAS task id ${callback.task_id}`);
    if (task.status === 'completed') return { status: 'already_completed', taskId: task.id };

    const data: Prisma.WorkflowTaskUpdateManyMutationInput =
      callback.status === 'completed'
        ? {
            status: 'completed',
            completedAt: new Date(),
            error: null,
            output: { ...asObject(task.output), mas: callback.result ?? null } as Prisma.InputJsonObject,
          }
        : { status: 'dead', error: callback.error ?? 'MAS reported the task failed without a reason' };
    // Guarded by the row as read, so two callbacks (or the worker) racing cannot both apply.
    const { count } = await prisma.workflowTask.updateMany({
      where: { id: task.id, status: task.status, updatedAt: task.updatedAt },
      data,
    });
    if (count === 1) return { status: callback.status, taskId: task.id };
  }
  throw new AppError('task_busy', 'the task kept changing while the callback was applied; send it again');
}

function asObject(value: Prisma.JsonValue | null): Prisma.JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/** The callback's steps: refused unless configured, the exact bytes read, then verified and applied. */
export function masCallbackHandlers(deps: {
  prisma: PrismaClient;
  secret: string | undefined;
  logger: Logger;
}): RequestHandler[] {
  // Empty when unconfigured; the first handler answers 404 before verification could run against it.
  const secrets = deps.secret ? [deps.secret] : [];

  return [
    (req, _res, next) => {
      // Unconfigured: the route does not exist, and no body is read.
      if (secrets.length === 0) throw new AppError('not_found', `no route for ${req.method} ${req.path}`);
      next();
    },
    express.raw({ type: () => true, limit: '1mb' }),
    async (req, res) => {
      const logger = deps.logger.child({ correlation_id: correlationIdOf(res) });
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const text = decodeUtf8(body);
      if (text === null) throw new AppError('invalid_encoding', 'request body is not valid UTF-8');
      const delivery: RawDelivery = {
        headers: req.headers,
        body,
        text,
        contentType: (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
        now: new Date(),
      };
      const verified = await standardWebhooksProvider.verify(delivery, secrets);
      if (!verified.ok) {
        logger.warn('MAS callback rejected', { security_event: true, code: verified.code, client_ip: req.ip });
        // Any refused signature is a 401 here, a missing header included: the caller is not authenticated.
        throw AppError.withStatus(401, verified.code, verified.message);
      }

      const parsed = standardWebhooksProvider.parse(delivery);
      if (!parsed.ok) throw new AppError('invalid_request', parsed.message);
      // What Postgres's text and jsonb cannot hold (NUL, unpaired surrogates) is stored as U+FFFD.
      toStorableJson(parsed.payload, text);
      const callback = parseInput(masCallbackSchema, parsed.payload);
      const outcome = await applyMasCallback(deps.prisma, callback);
      logger.info('MAS callback applied', {
        task_id: outcome.taskId,
        mas_task_id: callback.task_id,
        outcome: outcome.status,
      });
      res.json({ status: outcome.status, task_id: outcome.taskId });
    },
  ];
}
