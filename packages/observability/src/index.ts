export { createLogger, type Logger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { describeError, type ErrorDescription } from './describe-error.js';
export {
  activeContext,
  activeTraceIds,
  annotateActiveSpan,
  contextFromCarrier,
  failSpan,
  inSpan,
  linksTo,
  otlpTracesUrl,
  outsideTraces,
  runInSpan,
  startTracing,
  traceCarrier,
  tracerOf,
  tracingEnabled,
  SpanKind,
  SpanStatusCode,
  type Span,
  type TraceCarrier,
  type TraceContext,
  type Tracer,
  type Tracing,
  type TracingOptions,
} from './tracing.js';
export { traceFetch, traceHttpClient } from './http-client-tracing.js';
