// The admin API's OpenAPI 3.1 description, served at /api/v1/openapi.json. Built from one table of routes
// (path, method, least role, summary, and the zod schemas the routes validate with, where they are shared),
// so a test can hold it against the router and against the role policy.
import { z } from 'zod';
import type { ApiRole } from '@hookfleet/db';
import { cursorPage, eventFilterSchema } from './event-query.js';
import { cleanupSchema, taskFilterSchema } from './operations.js';
import { pagination } from './routes/shared.js';
import { deadLetterListQuery } from './routes/dead-letters.js';
import { transformTestBody } from './routes/sources.js';
import { taskListQuery } from './routes/tasks.js';
import { workflowListQuery } from './routes/workflows.js';

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express style (/api/v1/events/:id). */
  path: string;
  role: ApiRole | 'public' | 'signature';
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
}

const filterBody = (filter: z.ZodType) => z.object({ filter });

export const ROUTE_DOCS: RouteDoc[] = [
  { method: 'get', path: '/api/v1/openapi.json', role: 'viewer', summary: 'This document' },
  {
    method: 'get',
    path: '/api/v1/events',
    role: 'viewer',
    summary: 'Events, newest first; payload.<path>=<value> filters on payload fields',
    query: eventFilterSchema.omit({ payload: true }).extend(cursorPage.shape),
  },
  {
    method: 'get',
    path: '/api/v1/events/:id',
    role: 'viewer',
    summary: 'One event with payload, redacted headers, tasks, executions and its job',
  },
  {
    method: 'post',
    path: '/api/v1/events/:id/reprocess',
    role: 'operator',
    summary: 'Run a finished event again as a new generation',
  },
  {
    method: 'post',
    path: '/api/v1/events/reprocess',
    role: 'operator',
    summary: 'Reprocess every event matching a filter (background operation)',
    body: filterBody(eventFilterSchema),
  },
  { method: 'get', path: '/api/v1/tasks', role: 'viewer', summary: 'Tasks, newest first', query: taskListQuery },
  { method: 'get', path: '/api/v1/tasks/:id', role: 'viewer', summary: 'One task with its executions' },
  {
    method: 'post',
    path: '/api/v1/tasks/:id/retry',
    role: 'operator',
    summary: 'One more attempt at a failed or dead task',
  },
  {
    method: 'post',
    path: '/api/v1/tasks/retry',
    role: 'operator',
    summary: 'Retry every task matching a filter (background operation)',
    body: filterBody(taskFilterSchema),
  },
  {
    method: 'get',
    path: '/api/v1/workflows',
    role: 'viewer',
    summary: 'Workflows, most recently active first',
    query: workflowListQuery,
  },
  {
    method: 'get',
    path: '/api/v1/workflows/:id',
    role: 'viewer',
    summary: 'One workflow with its events in delivery order and its tasks',
  },
  {
    method: 'get',
    path: '/api/v1/dead-letters',
    role: 'viewer',
    summary: 'Failed jobs of every queue with their event, error and attempts',
    query: deadLetterListQuery,
  },
  {
    method: 'post',
    path: '/api/v1/dead-letters/:queue/:jobId/retry',
    role: 'operator',
    summary: 'Retry one dead letter',
  },
  {
    method: 'post',
    path: '/api/v1/dead-letters/:queue/:jobId/discard',
    role: 'operator',
    summary: 'Take one dead letter out of the queue; its event is marked discarded',
  },
  {
    method: 'post',
    path: '/api/v1/dead-letters/retry',
    role: 'operator',
    summary: 'Retry every dead event matching a filter (background operation)',
    body: filterBody(eventFilterSchema),
  },
  {
    method: 'get',
    path: '/api/v1/operations/:id',
    role: 'viewer',
    summary: 'A background operation: state, progress, result',
  },
  {
    method: 'get',
    path: '/api/v1/metrics',
    role: 'viewer',
    summary: 'Events and tasks by status and type, average processing time, queue depths',
  },
  {
    method: 'get',
    path: '/api/v1/admin/stats',
    role: 'viewer',
    summary: 'The last 24 hours: activity and error rates',
  },
  {
    method: 'get',
    path: '/api/v1/github/recovery',
    role: 'viewer',
    summary: 'Missed-delivery recovery: the hooks it watches and its last run',
  },
  {
    method: 'post',
    path: '/api/v1/github/recovery/run',
    role: 'operator',
    summary: 'Run missed-delivery recovery now (background operation)',
  },
  {
    method: 'get',
    path: '/api/v1/reconciler',
    role: 'viewer',
    summary: 'The reconciler’s last run (queued, requeued, marked dead) and the oldest unfinished event’s age',
  },
  {
    method: 'post',
    path: '/api/v1/admin/cleanup',
    role: 'operator',
    summary: 'Retention cleanup (background operation)',
    body: cleanupSchema,
  },
  { method: 'get', path: '/api/v1/sources', role: 'viewer', summary: 'Sources' },
  { method: 'post', path: '/api/v1/sources', role: 'admin', summary: 'Create a source; its secret is shown once' },
  { method: 'get', path: '/api/v1/sources/:id', role: 'viewer', summary: 'One source' },
  { method: 'patch', path: '/api/v1/sources/:id', role: 'admin', summary: 'Update a source' },
  {
    method: 'post',
    path: '/api/v1/sources/:id/disable',
    role: 'admin',
    summary: 'Stop accepting a source’s deliveries',
  },
  {
    method: 'post',
    path: '/api/v1/sources/:id/rotate-secret',
    role: 'admin',
    summary: 'A new current secret, shown once',
  },
  {
    method: 'post',
    path: '/api/v1/sources/:id/transform/test',
    role: 'admin',
    summary: 'Dry run: a transform expression (or the source’s own) over a sample payload, in the sandbox',
    body: transformTestBody,
  },
  { method: 'get', path: '/api/v1/tokens', role: 'admin', summary: 'API tokens (never the tokens themselves)' },
  { method: 'post', path: '/api/v1/tokens', role: 'admin', summary: 'Issue a token; it is shown once' },
  { method: 'delete', path: '/api/v1/tokens/:id', role: 'admin', summary: 'Revoke a token' },
  {
    method: 'get',
    path: '/api/v1/audit',
    role: 'admin',
    summary: 'The audit trail of mutating calls',
    query: pagination,
  },
  {
    method: 'post',
    path: '/api/v1/mas/callback',
    role: 'signature',
    summary: 'MAS reports a review (Standard Webhooks signature)',
  },
];

const toJsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTE_DOCS) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const pathParams = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryShape = route.query ? (toJsonSchema(route.query) as { properties?: Record<string, unknown> }) : {};
    const queryParams = Object.entries(queryShape.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      schema,
    }));
    paths[path] = {
      ...paths[path],
      [route.method]: {
        summary: route.summary,
        'x-required-role': route.role,
        security: route.role === 'signature' ? [] : [{ bearer: [] }, { session: [] }],
        parameters: [...pathParams, ...queryParams],
        ...(route.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(route.body) } } } }
          : {}),
        responses: {
          default: {
            description: 'The error shape',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
          '2XX': { description: 'Success (JSON)' },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Hookfleet admin API', version: '1.0.0' },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (hf_...) or ADMIN_API_TOKEN' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'hookfleet_session',
          description: 'Browser session from /admin/login',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'code', 'status_code'],
          properties: {
            error: { type: 'string' },
            code: { type: 'string' },
            status_code: { type: 'integer' },
            path: { type: 'string' },
            details: {},
          },
        },
      },
    },
  };
}
