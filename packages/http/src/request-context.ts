// A correlation id and a child logger per request, and one log line when it ends. The correlation id
// is the GitHub delivery id when there is one, so a delivery can be followed from request to job.
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger, Metrics } from '@hookfleet/observability';

const CORRELATION_HEADERS = ['x-github-delivery', 'x-request-id', 'x-correlation-id'] as const;
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface RequestLocals {
  correlationId: string;
  logger: Logger;
  metrics: Metrics;
}

export function requestContext(options: { logger: Logger; metrics: Metrics }): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const supplied = CORRELATION_HEADERS.map((name) => req.headers[name]).find(
      (value): value is string => typeof value === 'string' && SAFE_ID.test(value),
    );
    const correlationId = supplied ?? randomUUID();
    const locals = res.locals as RequestLocals;
    locals.correlationId = correlationId;
    locals.logger = options.logger.child({ correlation_id: correlationId });
    locals.metrics = options.metrics;
    res.setHeader('X-Correlation-Id', correlationId);

    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      options.metrics.httpRequestDuration.observe(
        { method: req.method, route, status_code: String(res.statusCode) },
        seconds,
      );
      locals.logger.info('request', {
        method: req.method,
        path: req.path,
        status_code: res.statusCode,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
      });
    });
    next();
  };
}

export function correlationIdOf(res: Response): string {
  return (res.locals as Partial<RequestLocals>).correlationId ?? 'unknown';
}

export function requestLoggerOf(res: Response): Logger {
  const logger = (res.locals as Partial<RequestLocals>).logger;
  if (!logger) throw new Error('requestContext middleware is not installed');
  return logger;
}

export function requestMetricsOf(res: Response): Metrics | undefined {
  return (res.locals as Partial<RequestLocals>).metrics;
}

/** Adds fields (e.g. who is calling, once authenticated) to every later log line of this request. */
export function bindRequestLog(res: Response, fields: Record<string, unknown>): void {
  const locals = res.locals as Partial<RequestLocals>;
  if (locals.logger) locals.logger = locals.logger.child(fields);
}
