// A SERVER span per request, active for every later handler of the request. A trusted caller's traceparent
// (W3C Trace Context) is continued; an unauthenticated sender's starts a trace of its own that links to it,
// so no sender chooses a delivery's trace id or turns its recording off. Named after the matched route pattern (never the path,
// which holds ids), known at the start when mounted as a route's own handler, else once routing is done.
// Nothing at all while tracing is off.
import type { Request, RequestHandler } from 'express';
import {
  SpanKind,
  SpanStatusCode,
  contextFromCarrier,
  linksTo,
  runInSpan,
  tracerOf,
  tracingEnabled,
} from '@hookfleet/observability';

/** The route pattern that matched; a route mounted on several paths names the one this request took. */
function routeOf(req: Request): string | null {
  if (!req.route) return null;
  return typeof req.route.path === 'string' ? `${req.baseUrl}${req.route.path}` : `${req.baseUrl}${req.path}`;
}

export function requestSpan(scope: string, options: { callerTrace: 'continue' | 'link' }): RequestHandler {
  return (req, res, next) => {
    if (!tracingEnabled()) return next();
    const traceparent = req.headers.traceparent;
    const tracestate = req.headers.tracestate;
    const caller = contextFromCarrier(
      typeof traceparent === 'string'
        ? { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) }
        : undefined,
    );
    const parent = options.callerTrace === 'continue' ? caller : contextFromCarrier(undefined);
    const startRoute = routeOf(req);
    const span = tracerOf(scope).startSpan(
      startRoute ? `${req.method} ${startRoute}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method },
        ...(options.callerTrace === 'link' ? { links: linksTo(caller) } : {}),
      },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = startRoute ?? routeOf(req);
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
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
