// A SERVER span per request of the routes it is mounted on, continuing the trace a caller's traceparent
// names (W3C Trace Context), and active for every later handler of the request. Mounted as a route's first
// handler so the route pattern names the span. Nothing at all while tracing is off.
import type { RequestHandler } from 'express';
import {
  SpanKind,
  SpanStatusCode,
  contextFromCarrier,
  runInSpan,
  tracerOf,
  tracingEnabled,
} from '@hookfleet/observability';

export function requestSpan(scope: string): RequestHandler {
  return (req, res, next) => {
    if (!tracingEnabled()) return next();
    // A route mounted on several paths has an array for its path: the one this request matched names it.
    const route = typeof req.route?.path === 'string' ? `${req.baseUrl}${req.route.path}` : req.path;
    const traceparent = req.headers.traceparent;
    const tracestate = req.headers.tracestate;
    const parent = contextFromCarrier(
      typeof traceparent === 'string'
        ? { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) }
        : undefined,
    );
    const span = tracerOf(scope).startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'http.route': route, 'url.path': req.path },
      },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      // A server span fails on 5xx only: a 4xx is the caller's error, answered as designed.
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    runInSpan(span, parent, next);
  };
}
