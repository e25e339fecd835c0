// The admin API's OpenAPI 3.1 description, served at /api/v1/openapi.json, written from the route table
// (route-table.ts): each route's path, method, least role, summary, and its documented query and body.
import { z } from 'zod';
import type { RouteFacts } from './route-table.js';

const toJsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

export function openApiDocument(routes: readonly RouteFacts[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
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
          // Signed callbacks are not rate limited (server.ts mounts them before the limit).
          ...(route.role === 'signature' ? {} : { '429': { $ref: '#/components/responses/RateLimited' } }),
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
      responses: {
        RateLimited: {
          description:
            'Over the rate limit of the caller (its token, else its address): a burst window, then a per-minute one',
          headers: {
            'Retry-After': { description: 'Seconds until the refusing window resets', schema: { type: 'integer' } },
            RateLimit: {
              description: 'Each window: remaining (r) and seconds to reset (t)',
              schema: { type: 'string' },
            },
            'RateLimit-Policy': {
              description: 'Each window: quota (q) and length in seconds (w)',
              schema: { type: 'string' },
            },
          },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
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
