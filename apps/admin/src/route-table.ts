// Every admin API route, once: its method, path, least role, what the OpenAPI document says of it, and its
// handler. The server mounts this table, openapi.ts documents it and auth.ts judges each request's role by
// it, so the three cannot disagree.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiRole } from '@hookfleet/db';
import { createSecretBox } from '@hookfleet/sources';
import { eventFilterSchema, eventListFilter, eventPage } from './event-query.js';
import { openApiDocument } from './openapi.js';
import { cleanupSchema, taskFilterSchema } from './operations.js';
import { deadLetterHandlers, deadLetterListQuery } from './routes/dead-letters.js';
import { eventHandlers } from './routes/events.js';
import { MAS_CALLBACK_PATH, masCallbackHandlers } from './routes/mas-callback.js';
import { operationHandlers } from './routes/operations.js';
import { pagination } from './routes/shared.js';
import { addRouteBody, replaceRoutesBody, sourceRouteHandlers } from './routes/source-routes.js';
import { sourceHandlers, transformTestBody } from './routes/sources.js';
import { statsHandlers } from './routes/stats.js';
import { taskHandlers, taskListQuery } from './routes/tasks.js';
import { tokenHandlers } from './routes/tokens.js';
import { workflowHandlers, workflowListQuery } from './routes/workflows.js';
import type { AdminDeps } from './server.js';

/** What a route is, apart from what it does: all the OpenAPI document and the role policy read. */
export interface RouteFacts {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express style (/api/v1/events/:id). */
  path: string;
  /** The least role that may call it; 'signature': no token, the caller signs each request instead. */
  role: ApiRole | 'signature';
  summary: string;
  /** The documented query and body (the handler validates its input itself). */
  query?: z.ZodObject;
  body?: z.ZodType;
}

export interface AdminRoute extends RouteFacts {
  handler: RequestHandler | RequestHandler[];
}

/** A bulk operation's body as documented: `{ filter }`. */
const filterBody = (filter: z.ZodType) => z.object({ filter });

export function adminRoutes(deps: AdminDeps): AdminRoute[] {
  const events = eventHandlers({ ...deps, maxInlineBytes: deps.config.ADMIN_MAX_INLINE_BYTES });
  const tasks = taskHandlers(deps);
  const workflows = workflowHandlers(deps);
  const deadLetters = deadLetterHandlers(deps);
  const operations = operationHandlers(deps);
  const stats = statsHandlers(deps);
  const sources = sourceHandlers({
    prisma: deps.prisma,
    box: deps.config.SOURCE_SECRETS_KEY ? createSecretBox(deps.config.SOURCE_SECRETS_KEY) : null,
    transforms: deps.transforms,
  });
  const sourceRoutes = sourceRouteHandlers(deps);
  const tokens = tokenHandlers(deps);

  const routes: AdminRoute[] = [
    {
      method: 'get',
      path: '/api/v1/openapi.json',
      role: 'viewer',
      summary: 'This document',
      handler: (_req, res) => {
        res.json(document);
      },
    },
    {
      method: 'get',
      path: '/api/v1/events',
      role: 'viewer',
      summary:
        'Events, newest first; payload.<path>=<value> filters on payload fields; pages by cursor or offset (not both)',
      query: eventFilterSchema.omit({ payload: true }).extend({ ...eventListFilter.shape, ...eventPage.shape }),
      handler: events.list,
    },
    {
      method: 'get',
      path: '/api/v1/events/:id',
      role: 'viewer',
      summary: 'One event with payload, redacted headers, tasks, executions and its job',
      handler: events.show,
    },
    {
      method: 'post',
      path: '/api/v1/events/:id/reprocess',
      role: 'operator',
      summary: 'Run a finished event again as a new generation',
      handler: events.reprocess,
    },
    {
      method: 'post',
      path: '/api/v1/events/reprocess',
      role: 'operator',
      summary: 'Reprocess every event matching a filter (background operation)',
      body: filterBody(eventFilterSchema),
      handler: operations.reprocessEvents,
    },
    {
      method: 'get',
      path: '/api/v1/tasks',
      role: 'viewer',
      summary: 'Tasks, newest first',
      query: taskListQuery,
      handler: tasks.list,
    },
    {
      method: 'get',
      path: '/api/v1/tasks/:id',
      role: 'viewer',
      summary: 'One task with its executions',
      handler: tasks.show,
    },
    {
      method: 'post',
      path: '/api/v1/tasks/:id/retry',
      role: 'operator',
      summary: 'One more attempt at a failed or dead task',
      handler: tasks.retry,
    },
    {
      method: 'post',
      path: '/api/v1/tasks/retry',
      role: 'operator',
      summary: 'Retry every task matching a filter (background operation)',
      body: filterBody(taskFilterSchema),
      handler: operations.retryTasks,
    },
    {
      method: 'get',
      path: '/api/v1/workflows',
      role: 'viewer',
      summary: 'Workflows, most recently active first',
      query: workflowListQuery,
      handler: workflows.list,
    },
    {
      method: 'get',
      path: '/api/v1/workflows/:id',
      role: 'viewer',
      summary: 'One workflow with its events in delivery order and its tasks',
      handler: workflows.show,
    },
    {
      method: 'get',
      path: '/api/v1/dead-letters',
      role: 'viewer',
      summary: 'Failed jobs of every queue with their event, error and attempts',
      query: deadLetterListQuery,
      handler: deadLetters.list,
    },
    {
      method: 'post',
      path: '/api/v1/dead-letters/:queue/:jobId/retry',
      role: 'operator',
      summary: 'Retry one dead letter',
      handler: deadLetters.retry,
    },
    {
      method: 'post',
      path: '/api/v1/dead-letters/:queue/:jobId/discard',
      role: 'operator',
      summary: 'Take one dead letter out of the queue; its event is marked discarded',
      handler: deadLetters.discard,
    },
    {
      method: 'post',
      path: '/api/v1/dead-letters/retry',
      role: 'operator',
      summary: 'Retry every dead event matching a filter (background operation)',
      body: filterBody(eventFilterSchema),
      handler: operations.retryDeadLetters,
    },
    {
      method: 'get',
      path: '/api/v1/operations/:id',
      role: 'viewer',
      summary: 'A background operation: state, progress, result',
      handler: operations.show,
    },
    {
      method: 'get',
      path: '/api/v1/metrics',
      role: 'viewer',
      summary: 'Events and tasks by status and type, average processing time, queue depths',
      handler: stats.totals,
    },
    {
      method: 'get',
      path: '/api/v1/admin/stats',
      role: 'viewer',
      summary: 'The last 24 hours: activity and error rates',
      handler: stats.lastDay,
    },
    {
      method: 'get',
      path: '/api/v1/github/recovery',
      role: 'viewer',
      summary: 'Missed-delivery recovery: the hooks it watches and its last run',
      handler: operations.githubRecovery,
    },
    {
      method: 'post',
      path: '/api/v1/github/recovery/run',
      role: 'operator',
      summary: 'Run missed-delivery recovery now (background operation)',
      handler: operations.runGithubRecovery,
    },
    {
      method: 'get',
      path: '/api/v1/reconciler',
      role: 'viewer',
      summary: 'The reconciler’s last run (queued, requeued, marked dead) and the oldest unfinished event’s age',
      handler: stats.reconciler,
    },
    {
      method: 'post',
      path: '/api/v1/admin/cleanup',
      role: 'operator',
      summary: 'Retention cleanup (background operation)',
      body: cleanupSchema,
      handler: operations.cleanup,
    },
    { method: 'get', path: '/api/v1/sources', role: 'viewer', summary: 'Sources', handler: sources.list },
    {
      method: 'post',
      path: '/api/v1/sources',
      role: 'admin',
      summary: 'Create a source; its secret is shown once',
      handler: sources.create,
    },
    { method: 'get', path: '/api/v1/sources/:id', role: 'viewer', summary: 'One source', handler: sources.show },
    {
      method: 'patch',
      path: '/api/v1/sources/:id',
      role: 'admin',
      summary: 'Update a source',
      handler: sources.update,
    },
    {
      method: 'post',
      path: '/api/v1/sources/:id/disable',
      role: 'admin',
      summary: 'Stop accepting a source’s deliveries',
      handler: sources.disable,
    },
    {
      method: 'post',
      path: '/api/v1/sources/:id/rotate-secret',
      role: 'admin',
      summary: 'A new current secret, shown once',
      handler: sources.rotateSecret,
    },
    {
      method: 'post',
      path: '/api/v1/sources/:id/transform/test',
      role: 'admin',
      summary: 'Dry run: a transform expression (or the source’s own) over a sample payload, in the sandbox',
      body: transformTestBody,
      handler: sources.testTransform,
    },
    {
      method: 'get',
      path: '/api/v1/sources/:id/routes',
      role: 'viewer',
      summary: 'A source’s routing rules, in the order they are tried',
      handler: sourceRoutes.list,
    },
    {
      method: 'put',
      path: '/api/v1/sources/:id/routes',
      role: 'admin',
      summary: 'Replace a source’s routing rules (checked against the queue catalogue)',
      body: replaceRoutesBody,
      handler: sourceRoutes.replace,
    },
    {
      method: 'post',
      path: '/api/v1/sources/:id/routes',
      role: 'admin',
      summary: 'Add a routing rule after a source’s others',
      body: addRouteBody,
      handler: sourceRoutes.add,
    },
    {
      method: 'delete',
      path: '/api/v1/sources/:id/routes/:index',
      role: 'admin',
      summary: 'Remove a source’s routing rule by its index',
      handler: sourceRoutes.remove,
    },
    {
      method: 'get',
      path: '/api/v1/tokens',
      role: 'admin',
      summary: 'API tokens (never the tokens themselves)',
      handler: tokens.list,
    },
    {
      method: 'post',
      path: '/api/v1/tokens',
      role: 'admin',
      summary: 'Issue a token; it is shown once',
      handler: tokens.issue,
    },
    { method: 'delete', path: '/api/v1/tokens/:id', role: 'admin', summary: 'Revoke a token', handler: tokens.revoke },
    {
      method: 'get',
      path: '/api/v1/audit',
      role: 'admin',
      summary: 'The audit trail of mutating calls',
      query: pagination,
      handler: tokens.audit,
    },
    {
      method: 'post',
      path: MAS_CALLBACK_PATH,
      role: 'signature',
      summary: 'MAS reports a review (Standard Webhooks signature)',
      handler: masCallbackHandlers({
        prisma: deps.prisma,
        secret: deps.config.MAS_CALLBACK_SECRET,
        logger: deps.logger,
      }),
    },
  ];
  const document = openApiDocument(routes);
  return routes;
}
