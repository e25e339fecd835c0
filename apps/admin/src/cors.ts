// CORS for the admin API: browser pages on the configured origins may call it with a bearer token; any
// other origin gets no Access-Control-Allow-Origin, so its browser keeps the answer from it. No
// credentials: the session cookie stays for the admin's own pages, which need no CORS.
import type { RequestHandler } from 'express';
import cors from 'cors';

export const API_PATH_PREFIX = '/api/v1';

/**
 * The API's CORS middleware for these exact origins, allowing the methods its routes answer (from the route
 * table); null when no origin is configured (no CORS headers at all).
 */
export function apiCors(origins: readonly string[], routeMethods: readonly string[]): RequestHandler | null {
  if (origins.length === 0) return null;
  return cors({
    origin: [...origins],
    methods: [...new Set(['HEAD', ...routeMethods.map((method) => method.toUpperCase())])],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-Correlation-Id', 'traceparent', 'tracestate'],
    // What a script may read of an answer: the limit's state, when to retry, and the id to quote in a report.
    exposedHeaders: ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Correlation-Id'],
    credentials: false,
    maxAge: 600,
  });
}
