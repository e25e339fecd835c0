// The pipeline's error handler: one count and one security-log line per refusal; never a header value or a
// payload. The app's error handler writes the answer after it.
import type { ErrorRequestHandler } from 'express';
import { correlationIdOf, requestLoggerOf, toAppError } from '@hookfleet/http';
import type { Metrics } from '@hookfleet/observability';
import { isProviderName } from '@hookfleet/providers';
import { sourceLabel, webhookStateOf } from './context.js';

export function recordRejection(metrics: Metrics): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const appError = toAppError(error);
    const resolved = webhookStateOf(res).source;
    const provider = resolved?.provider.name ?? String(req.params.provider ?? 'github');
    // Only names the ingress knows become label values: a made-up provider or source in a URL must not.
    const labels = { provider: isProviderName(provider) ? provider : 'unknown', source: sourceLabel(resolved) };
    metrics.webhookErrors.inc({ ...labels, code: appError.code });
    metrics.webhookEvents.inc({ ...labels, event_type: '', outcome: appError.status < 500 ? 'refused' : 'failed' });
    if (appError.status < 500) {
      requestLoggerOf(res).warn('webhook rejected', {
        security_event: true,
        provider,
        source_id: resolved?.id ?? null,
        code: appError.code,
        status_code: appError.status,
        client_ip: req.ip,
        correlation_id: correlationIdOf(res),
      });
    }
    next(error);
  };
}
