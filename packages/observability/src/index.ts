export { createLogger, type Logger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { describeError, type ErrorDescription } from './describe-error.js';
export {
  activeTraceIds,
  contextFromCarrier,
  failSpan,
  inSpan,
  otlpTracesUrl,
  startTracing,
  traceCarrier,
  tracerOf,
  SpanKind,
  type Span,
  type TraceCarrier,
  type Tracer,
  type Tracing,
  type TracingOptions,
} from './tracing.js';
