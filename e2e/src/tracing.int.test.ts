// One delivery, one trace: the whole stack exports to a real local OTLP/HTTP receiver, and the trace it
// receives must hold the ingress request, the job it queued, the job's tasks and their downstream calls,
// each the child of the one before; the downstream must have been handed that trace's traceparent, the
// admin must show the trace id, and the log lines written along the way must carry it.
import Transport from 'winston-transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLP_SPAN_KIND, OtlpReceiver, type ReceivedSpan, type TestEnvironment } from '@hookfleet/devkit';
import { createLogger } from '@hookfleet/observability';
import { githubExample } from './fixtures.js';
import { FakeDownstream, adminGet, deliver, startStack, testEnvironment, waitFor, type Stack } from './harness.js';

class Capture extends Transport {
  readonly lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(JSON.parse(JSON.stringify(info)) as Record<string, unknown>);
    next();
  }
}

interface EventBody {
  id: string;
  status: string;
  trace_id: string | null;
  tasks: Array<{ id: string; task_type: string; status: string }>;
  job: { state: string } | null;
}

let environment: TestEnvironment;
let receiver: OtlpReceiver;
let agentApi: FakeDownstream;
let mas: FakeDownstream;
let stack: Stack | undefined;
const capture = new Capture();

beforeAll(async () => {
  environment = await testEnvironment();
  receiver = await new OtlpReceiver().start();
  agentApi = await new FakeDownstream().start();
  mas = await new FakeDownstream(() => ({ status: 202, body: { task_id: 'mas-1', status: 'queued' } })).start();
  const logger = createLogger({ service: 'e2e', level: 'info' });
  logger.clear().add(capture);
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
  stack = await startStack(environment.env, {
    agentApiUrl: agentApi.url,
    ingress: tracing,
    admin: tracing,
    worker: {
      ...tracing,
      MAS_BASE_URL: mas.url,
      MAS_CALLBACK_URL: 'http://admin.hookfleet.test/api/v1/mas/callback',
    },
    logger,
  });
});

afterAll(async () => {
  await stack?.stop();
  for (const server of [receiver, agentApi, mas]) await server?.stop();
  await environment?.cleanup();
});

async function settled(eventId: string): Promise<EventBody> {
  return waitFor(async () => {
    const { body } = await adminGet<EventBody>(stack!.admin.url, `/api/v1/events/${eventId}`);
    return body.status === 'processed' && body.job?.state === 'completed' ? body : undefined;
  }, `event ${eventId} processed`);
}

/** The one span of the trace with this name. */
function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(
    found.map((span) => span.name),
    `one span named ${name}`,
  ).toEqual([name]);
  return found[0]!;
}

/** Whether `span` descends from `ancestor` through parents within the trace. */
function descendsFrom(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(spans.map((candidate) => [candidate.spanId, candidate]));
  for (let at = span.parentSpanId ? byId.get(span.parentSpanId) : undefined; at;) {
    if (at.spanId === ancestor.spanId) return true;
    at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined;
  }
  return false;
}

/** The trace as a receiver saw it, one line per span, indented under its parent (PRINT_TRACE=1). */
function describeTrace(spans: ReceivedSpan[]): string {
  const start = spans.reduce((min, span) => (span.startNs < min ? span.startNs : min), spans[0]!.startNs);
  const children = (parent: string | null) =>
    spans.filter((span) => span.parentSpanId === parent).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, depth: number) => {
    const at = (Number(span.startNs - start) / 1e6).toFixed(1);
    lines.push(`${'  '.repeat(depth)}${span.name} [${span.scope}] +${at} ms, ${span.durationMs.toFixed(2)} ms`);
    for (const child of children(span.spanId)) walk(child, depth + 1);
  };
  for (const root of children(null)) walk(root, 0);
  return lines.join('\n');
}

describe('tracing one delivery', () => {
  it('starts its own trace for a delivery whose sender names one, linked to the sender’s span', async () => {
    // Unsampled (-00): continuing it would also turn the delivery's recording off.
    const [senderTraceId, senderSpanId] = ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'];
    const sent = await deliver(stack!.ingress.url, {
      event: 'ping',
      payload: githubExample('ping'),
      headers: { traceparent: `00-${senderTraceId}-${senderSpanId}-00`, tracestate: `x=${'y'.repeat(600)}` },
    });
    expect(sent.status).toBe(202);
    const event = await settled(sent.body.eventId as string);
    expect(event.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(event.trace_id).not.toBe(senderTraceId);
    // Exported within the batch processor's delay.
    const request = await waitFor(
      async () => receiver.trace(event.trace_id!).find((span) => span.name === 'POST /webhooks/github'),
      'the ingress span of the delivery’s own trace',
    );
    expect(request).toMatchObject({
      kind: OTLP_SPAN_KIND.server,
      parentSpanId: null,
      links: [{ traceId: senderTraceId, spanId: senderSpanId }],
    });
    expect(receiver.trace(senderTraceId)).toEqual([]);
  });

  it('takes a malformed traceparent as none', async () => {
    const sent = await deliver(stack!.ingress.url, {
      event: 'ping',
      payload: { ...githubExample('ping'), zen: 'malformed traceparent' },
      headers: { traceparent: `zz-${'f'.repeat(600)}` },
    });
    expect(sent.status).toBe(202);
    const event = await settled(sent.body.eventId as string);
    expect(event.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('exports the ingress, worker and downstream spans under one trace id, handed on to the downstream', async () => {
    const payload = githubExample('pull_request', 'opened');
    const sent = await deliver(stack!.ingress.url, { event: 'pull_request', payload });
    expect(sent.status).toBe(202);
    const eventId = sent.body.eventId as string;
    const event = await settled(eventId);

    // The admin's event detail names the delivery's trace.
    expect(event.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const traceId = event.trace_id!;
    const requestLine = capture.lines.find((line) => line.message === 'request' && line.event_id === eventId);
    expect(requestLine?.trace_id).toBe(traceId);

    // Stopping the apps flushes what they have not exported yet.
    await stack!.stop();
    stack = undefined;
    const spans = receiver.trace(traceId);
    if (process.env.PRINT_TRACE) console.log(describeTrace(spans));

    const request = only(spans, 'POST /webhooks/github');
    expect(request).toMatchObject({ kind: OTLP_SPAN_KIND.server, parentSpanId: null, scope: '@hookfleet/ingress' });
    expect(request.attributes).toMatchObject({
      'http.response.status_code': 202,
      'hookfleet.event_id': eventId,
      'hookfleet.delivery_id': sent.deliveryId,
    });
    for (const name of ['webhook.verify', 'webhook.validate', 'INSERT webhook_events']) {
      expect(only(spans, name).parentSpanId, name).toBe(request.spanId);
    }
    const send = only(spans, 'send validation');
    expect(send).toMatchObject({ kind: OTLP_SPAN_KIND.producer, parentSpanId: request.spanId });

    // The worker's job continues the trace the job data carried, under the span that queued it.
    const job = only(spans, 'process validation');
    expect(job).toMatchObject({ kind: OTLP_SPAN_KIND.consumer, parentSpanId: send.spanId, scope: '@hookfleet/worker' });
    expect(job.attributes['hookfleet.event_id']).toBe(eventId);
    expect(job.startNs).toBeGreaterThanOrEqual(send.startNs);
    const analysis = only(spans, 'task pull_request_analysis');
    const review = only(spans, 'task review_pull_request');
    expect(analysis.parentSpanId).toBe(job.spanId);
    expect(review.parentSpanId).toBe(job.spanId);
    expect(analysis.attributes['hookfleet.task_id']).toBe(
      event.tasks.find((task) => task.task_type === 'pull_request_analysis')?.id,
    );

    // One CLIENT span per downstream call, under its task; the downstream received that span as its parent.
    const agentCall = only(spans, 'POST agentapi');
    const masCall = only(spans, 'POST mas');
    expect(agentCall).toMatchObject({ kind: OTLP_SPAN_KIND.client, parentSpanId: analysis.spanId });
    expect(agentCall.attributes).toMatchObject({ 'http.response.status_code': 201, 'peer.service': 'agentapi' });
    expect(masCall.parentSpanId).toBe(review.spanId);
    expect(agentApi.requests).toHaveLength(1);
    expect(agentApi.requests[0]!.headers.traceparent).toBe(`00-${traceId}-${agentCall.spanId}-01`);
    expect(mas.requests[0]!.headers.traceparent).toBe(`00-${traceId}-${masCall.spanId}-01`);

    // Prisma's own spans, where the worker used it, inside the job.
    const prismaSpans = spans.filter((span) => span.scope === 'prisma');
    expect(prismaSpans.length).toBeGreaterThan(0);
    expect(prismaSpans.every((span) => descendsFrom(spans, span, job))).toBe(true);

    // Every span's parent is in the trace: nothing dangles, and there is one root.
    const ids = new Set(spans.map((span) => span.spanId));
    expect(spans.filter((span) => span.parentSpanId === null)).toEqual([request]);
    expect(spans.filter((span) => span.parentSpanId !== null && !ids.has(span.parentSpanId))).toEqual([]);

    // The worker's log lines carry the trace, and the span they were written in.
    const taskLine = capture.lines.find(
      (line) => line.message === 'task completed' && line.event_id === eventId && line.trace_id === traceId,
    );
    expect(taskLine?.span_id).toBe(analysis.spanId);
    const workerLines = capture.lines.filter((line) => line.event_id === eventId && line.job_id !== undefined);
    expect(workerLines.length).toBeGreaterThan(0);
    expect(workerLines.every((line) => line.trace_id === traceId)).toBe(true);
  });
});
