// A CLIENT span per outgoing HTTP call, with the call's `traceparent` in its headers so the downstream
// continues the trace. Every client Hookfleet has goes through one of the two wrappers below: axios
// instances (AgentAPI, MAS, Codegen, Linear, Slack, forwards) and fetch (GitHub's API).
//
// Spans record the peer's name, host, port, method and status, never the URL's path or query: Slack's
// webhook path is its credential, and forward targets may carry tokens in theirs.
import { context, propagation, trace, type Context } from '@opentelemetry/api';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { SpanKind, SpanStatusCode, failSpan, tracerOf, tracingEnabled, type Span } from './tracing.js';

const SCOPE = '@hookfleet/http-client';

function startClientSpan(peer: string, method: string, url: URL | null): { span: Span; context: Context } {
  const span = tracerOf(SCOPE).startSpan(`${method} ${peer}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'peer.service': peer,
      'http.request.method': method,
      ...(url
        ? {
            'server.address': url.hostname,
            'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          }
        : {}),
    },
  });
  return { span, context: trace.setSpan(context.active(), span) };
}

function endClientSpan(span: Span, status: number | undefined, error?: unknown): void {
  if (status !== undefined) {
    span.setAttribute('http.response.status_code', status);
    // A client span fails on any 4xx or 5xx: the call did not do what it was made for.
    if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
  } else if (error !== undefined) {
    failSpan(span, error);
  }
  span.end();
}

function urlOf(value: string | undefined): URL | null {
  try {
    return value ? new URL(value) : null;
  } catch {
    return null;
  }
}

/** Adds the span and the header to every call the instance makes; returns the same instance. */
export function traceHttpClient<Instance extends AxiosInstance>(instance: Instance, peer: string): Instance {
  const spans = new WeakMap<InternalAxiosRequestConfig, Span>();
  instance.interceptors.request.use(
    (config) => {
      if (!tracingEnabled()) return config;
      const method = (config.method ?? 'get').toUpperCase();
      const started = startClientSpan(peer, method, urlOf(instance.getUri(config)));
      propagation.inject(started.context, config.headers, {
        set: (headers, key, value) => headers.set(key, value),
      });
      spans.set(config, started.span);
      return config;
    },
    undefined,
    // Run in the caller's own call, so the active context is the caller's.
    { synchronous: true },
  );
  const finish = (config: InternalAxiosRequestConfig | undefined, status: number | undefined, error?: unknown) => {
    const span = config && spans.get(config);
    if (!span) return;
    spans.delete(config);
    endClientSpan(span, status, error);
  };
  instance.interceptors.response.use(
    (response: AxiosResponse) => {
      finish(response.config, response.status);
      return response;
    },
    (error: AxiosError) => {
      finish(error.config, error.response?.status, error);
      throw error;
    },
  );
  return instance;
}

/** `fetch` with the span and the header added to every call. */
export function traceFetch(peer: string, fetchImpl: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    if (!tracingEnabled()) return fetchImpl(input, init);
    const request = input instanceof Request ? input : null;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const started = startClientSpan(peer, method, urlOf(request ? request.url : String(input)));
    const headers = new Headers(init?.headers ?? request?.headers);
    propagation.inject(started.context, headers, { set: (carrier, key, value) => carrier.set(key, value) });
    try {
      const response = await fetchImpl(input, { ...init, headers });
      endClientSpan(started.span, response.status);
      return response;
    } catch (error) {
      endClientSpan(started.span, undefined, error);
      throw error;
    }
  };
}
