// Bulk operations and retention: each answers 202 with an operation id; the work runs on the operations
// queue (operations.ts) and GET /api/v1/operations/:id reports its progress.
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { AppError } from '@hookfleet/http';
import { principalOf } from '../auth.js';
import { eventFilterSchema } from '../event-query.js';
import { cleanupSchema, taskFilterSchema, type Operation, type Operations } from '../operations.js';
import { parseInput } from '../validation.js';

const filterBody = <Filter extends z.ZodType>(filter: Filter) => z.object({ filter }).strict();
const operationParams = z.object({ id: z.string().regex(/^\d+$/, 'not an operation id') });

export function operationHandlers(deps: {
  operations: Operations;
  githubRecoveryHooks: readonly string[];
}): Record<
  'reprocessEvents' | 'retryTasks' | 'retryDeadLetters' | 'cleanup' | 'githubRecovery' | 'runGithubRecovery' | 'show',
  RequestHandler
> {
  const start = async (res: Response, operation: Operation) => {
    const id = await deps.operations.start(operation, principalOf(res).name);
    res.status(202).json({ status: 'accepted', operation_id: id, status_url: `/api/v1/operations/${id}` });
  };

  const reprocessEvents: RequestHandler = async (req, res) => {
    const { filter } = parseInput(filterBody(eventFilterSchema), req.body);
    await start(res, { kind: 'events.reprocess', filter });
  };

  const retryTasks: RequestHandler = async (req, res) => {
    const { filter } = parseInput(filterBody(taskFilterSchema), req.body);
    await start(res, { kind: 'tasks.retry', filter });
  };

  const retryDeadLetters: RequestHandler = async (req, res) => {
    const { filter } = parseInput(filterBody(eventFilterSchema), req.body);
    await start(res, { kind: 'dead_letters.retry', filter });
  };

  const cleanup: RequestHandler = async (req, res) => {
    const params = parseInput(cleanupSchema, req.body ?? {});
    const id = await deps.operations.start({ kind: 'cleanup', params }, principalOf(res).name);
    // Cleanup's own answer (`cleanup_triggered`, its id as `task_id`), which callers read, plus the
    // operation's id and where to follow it as every operation has.
    res
      .status(202)
      .json({ status: 'cleanup_triggered', task_id: id, operation_id: id, status_url: `/api/v1/operations/${id}` });
  };

  // Missed-delivery recovery: what it watches and its last run; and a run now, beside the scheduled ones.
  const githubRecovery: RequestHandler = async (_req, res) => {
    const last = await deps.operations.lastGithubRecovery();
    res.json({
      enabled: deps.githubRecoveryHooks.length > 0,
      hooks: deps.githubRecoveryHooks,
      last_run: last && {
        finished_at: last.finishedAt,
        duration_ms: last.durationMs,
        hooks: last.hooks,
        deliveries: last.deliveries,
        missing: last.missing,
        redelivered: last.redelivered,
        expired: last.expired,
        given_up: last.givenUp,
        errors: last.errors,
      },
    });
  };

  const runGithubRecovery: RequestHandler = async (_req, res) => {
    if (deps.githubRecoveryHooks.length === 0) {
      throw new AppError(
        'github_recovery_off',
        'set GITHUB_RECOVERY_HOOKS (and credentials) to recover missed deliveries',
      );
    }
    await start(res, { kind: 'github.recover' });
  };

  const show: RequestHandler = async (req, res) => {
    const { id } = parseInput(operationParams, req.params);
    let job = await deps.operations.get(id);
    if (!job) throw new AppError('operation_not_found', `no operation ${id}`);
    const state = await job.getState();
    // Read while it was still running, it finished since: read it again for its result and finish time.
    if ((state === 'completed' || state === 'failed') && !job.finishedOn) job = (await deps.operations.get(id)) ?? job;
    res.json({
      id: job.id,
      kind: job.data.kind,
      requested_by: job.data.requestedBy,
      state,
      progress: typeof job.progress === 'object' ? job.progress : null,
      result: job.returnvalue ?? null,
      error_message: job.failedReason ?? null,
      created_at: new Date(job.timestamp),
      finished_at: job.finishedOn ? new Date(job.finishedOn) : null,
    });
  };

  return { reprocessEvents, retryTasks, retryDeadLetters, cleanup, githubRecovery, runGithubRecovery, show };
}
