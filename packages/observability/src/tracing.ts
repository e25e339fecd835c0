// OpenTelemetry tracing through the global API, so that any package can make a span or carry a trace
// context without being handed a tracer. With no endpoint nothing is registered and the API stays the no-op
// it is by default: spans are non-recording, nothing is injected, nothing is exported.
//
// One provider per process. Tests run the three apps in one process, so a second startTracing joins the
// first (its service name labels the resource; each app's spans still name their app as the tracer's
// scope) and the provider is shut down, flushed, when the last app that started it stops.
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  TraceFlags,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
  type Link,
  type Span,
  type Attributes,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { PrismaInstrumentation } from '@prisma/instrumentation';

export { SpanKind, SpanStatusCode, type Span, type Tracer };

/** A trace context as W3C Trace Context headers carry it; what an event job carries from its delivery. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

export interface Tracing {
  /** False when no endpoint was given: the API is a no-op. */
  readonly enabled: boolean;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** This app is done with tracing; the last one to stop flushes and shuts the provider down. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  service: string;
  /** An OTLP/HTTP collector's base URL; spans go to its /v1/traces. Unset: tracing is off. */
  endpoint?: string;
  /** How long ended spans wait to be exported together (the batch processor's delay). */
  exportDelayMs?: number;
  /**
   * The share of traces recorded (0 to 1, default all), decided where a trace starts (a delivery, an admin
   * request); every later span follows that decision, so a trace is whole or absent.
   */
  sampleRatio?: number;
}

/** What inSpan hands its work while tracing is off: a span that records nothing. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const DISABLED: Tracing = { enabled: false, flush: async () => {}, shutdown: async () => {} };

interface Registration {
  endpoint: string;
  provider: TracerProvider;
  contextManager: AsyncLocalStorageContextManager;
  prisma: PrismaInstrumentation;
  users: number;
}
let registration: Registration | null = null;

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: the traces signal's path is appended, as the spec says. */
export function otlpTracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href;
}

/** Whether spans are being exported; code on a hot path checks it to do no tracing work at all when off. */
export function tracingEnabled(): boolean {
  return registration !== null;
}

export function startTracing(options: TracingOptions): Tracing {
  if (!options.endpoint) return DISABLED;
  if (registration) {
    if (registration.endpoint !== options.endpoint) {
      throw new Error(`tracing already exports to ${registration.endpoint} in this process`);
    }
    registration.users += 1;
    return handleOf(registration);
  }
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: otlpTracesUrl(options.endpoint) }),
        ...(options.exportDelayMs === undefined ? {} : { scheduledDelayMillis: options.exportDelayMs }),
      }),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  // Prisma's client asks a global helper for spans on every operation; the instrumentation sets it.
  const prisma = new PrismaInstrumentation({ enabled: false });
  prisma.setTracerProvider(provider);
  prisma.enable();
  registration = { endpoint: options.endpoint, provider, contextManager, prisma, users: 1 };
  return handleOf(registration);
}

function handleOf(current: Registration): Tracing {
  let stopped = false;
  return {
    enabled: true,
    flush: () => current.provider.forceFlush(),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      current.users -= 1;
      if (current.users > 0) {
        await current.provider.forceFlush();
        return;
      }
      if (registration === current) registration = null;
      current.prisma.disable();
      trace.disable();
      propagation.disable();
      context.disable();
      await current.provider.shutdown();
    },
  };
}

/** A trace context: where the active span is kept, and what a span's parent is taken from. */
export type TraceContext = Context;

export function activeContext(): TraceContext {
  return context.active();
}

/**
 * A context (by default the active one), or a span's own, as headers; undefined when there is none to carry
 * (tracing off).
 */
export function traceCarrier(from: Context | Span = context.active()): TraceCarrier | undefined {
  const carrier: Partial<TraceCarrier> = {};
  propagation.inject('spanContext' in from ? trace.setSpan(ROOT_CONTEXT, from) : from, carrier);
  return carrier.traceparent ? (carrier as TraceCarrier) : undefined;
}

/** The context a carrier describes, as a remote parent; the root context when there is none. */
export function contextFromCarrier(carrier: TraceCarrier | undefined, into: Context = ROOT_CONTEXT): Context {
  return carrier ? propagation.extract(into, carrier) : into;
}

/** The span a context names, as a link (for a trace started apart from it); none when it names none. */
export function linksTo(from: Context): Link[] {
  const spanContext = trace.getSpanContext(from);
  return spanContext && trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
}

/**
 * The active span's trace and span ids, or null when no span is active (tracing off) or its trace is not
 * recorded (sampled out): an id that leads to no trace would only mislead.
 */
export function activeTraceIds(from: Context = context.active()): { traceId: string; spanId: string } | null {
  const spanContext = trace.getSpanContext(from);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return null;
  if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return null;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** Runs `work` with `span` active (a child of `parent`'s trace), for spans whose end is not where work ends. */
export function runInSpan<T>(span: Span, parent: Context, work: () => T): T {
  return context.with(trace.setSpan(parent, span), work);
}

/** Adds attributes to the active span (a request's, a job's), if any. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Runs `work` outside any trace: work done for many traces at once must not join the first one's. */
export function outsideTraces<T>(work: () => T): T {
  return registration ? context.with(ROOT_CONTEXT, work) : work();
}

/** Records an error on a span and marks it failed. */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * The tracer of a scope (an app or package name), looked up at each use: a tracer kept from before a
 * startTracing or after a shutdown would stay bound to the provider of that moment.
 */
export function tracerOf(scope: string): Tracer {
  return trace.getTracer(scope);
}

/**
 * Runs `work` in a new active span of `scope`'s tracer (a child of `parent`, by default the active context)
 * and ends the span when it settles; a thrown error fails the span unless `expected` says it is part of the
 * normal course.
 */
export function inSpan<T>(
  scope: string,
  name: string,
  options: SpanOptions & { parent?: Context; expected?: (error: unknown) => boolean },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  if (!registration) return work(NO_SPAN);
  const { parent, expected, ...spanOptions } = options;
  return tracerOf(scope).startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (!expected?.(error)) failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
