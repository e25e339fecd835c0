import Transport from 'winston-transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '@hookfleet/devkit';
import { createLogger } from './logger.js';
import {
  activeTraceIds,
  contextFromCarrier,
  inSpan,
  otlpTracesUrl,
  startTracing,
  traceCarrier,
  type Tracing,
} from './tracing.js';

class Capture extends Transport {
  readonly lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(JSON.parse(JSON.stringify(info)) as Record<string, unknown>);
    next();
  }
}

function capturingLogger() {
  const logger = createLogger({ service: 'test', level: 'info' });
  const capture = new Capture();
  logger.add(capture);
  return { logger, lines: capture.lines };
}

const tracer = 'tracing-test';
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await new OtlpReceiver().start();
});
afterAll(async () => {
  await receiver?.stop();
});

describe('tracing', () => {
  it('appends the traces path to the collector base URL', () => {
    expect(otlpTracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('http://collector:4318/otlp/')).toBe('http://collector:4318/otlp/v1/traces');
  });

  it('is a no-op without an endpoint: spans do not record, nothing is carried, logged or exported', async () => {
    const tracing = startTracing({ service: 'test' });
    expect(tracing.enabled).toBe(false);
    const { logger, lines } = capturingLogger();
    await inSpan(tracer, 'unexported', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(activeTraceIds()).toBeNull();
      expect(traceCarrier()).toBeUndefined();
      logger.info('inside');
    });
    await tracing.flush();
    await tracing.shutdown();
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(receiver.exports).toBe(0);
  });

  describe('with an endpoint', () => {
    let first: Tracing;
    let second: Tracing;

    beforeAll(() => {
      first = startTracing({ service: 'first', endpoint: receiver.url });
      // A second app in the same process joins the first's provider.
      second = startTracing({ service: 'second', endpoint: receiver.url });
    });
    afterAll(async () => {
      await first?.shutdown();
      await second?.shutdown();
    });

    it('refuses a second endpoint in the same process', () => {
      expect(() => startTracing({ service: 'third', endpoint: 'http://127.0.0.1:1' })).toThrow(/already exports/);
    });

    it('exports nested spans, puts their ids on log lines and carries the context across a boundary', async () => {
      const { logger, lines } = capturingLogger();
      const carried = await inSpan(tracer, 'parent', {}, async () =>
        inSpan(tracer, 'child', {}, async (span) => {
          logger.info('inside the child');
          expect(span.isRecording()).toBe(true);
          return traceCarrier();
        }),
      );
      logger.info('outside every span');
      expect(carried?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const [, traceId, childSpanId] = carried!.traceparent.split('-');

      // The other side of a queue: a span whose parent is the carried context.
      await inSpan(tracer, 'consumer', { parent: contextFromCarrier(carried) }, async () => {});
      await expect(
        inSpan(tracer, 'failing', {}, async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await expect(
        inSpan(tracer, 'waiting', { expected: () => true }, async () => {
          throw new Error('not a failure');
        }),
      ).rejects.toThrow();

      await first.flush();
      const byName = Object.fromEntries(receiver.spans.map((span) => [span.name, span]));
      expect(byName.parent?.traceId).toBe(traceId);
      expect(byName.child).toMatchObject({ traceId, spanId: childSpanId, parentSpanId: byName.parent?.spanId });
      expect(byName.consumer).toMatchObject({ traceId, parentSpanId: childSpanId });
      expect(byName.parent?.service).toBe('first');
      expect(byName.failing?.statusCode).toBe(2);
      expect(byName.waiting?.statusCode).toBe(0);

      expect(lines[0]).toMatchObject({ message: 'inside the child', trace_id: traceId, span_id: childSpanId });
      expect(lines[1]).not.toHaveProperty('trace_id');
    });

    it('flushes on each app’s shutdown and turns off with the last one', async () => {
      const before = receiver.spans.length;
      await inSpan(tracer, 'before the first shutdown', {}, async () => {});
      await first.shutdown();
      expect(receiver.spans.length).toBe(before + 1);
      await inSpan(tracer, 'before the last shutdown', {}, async (span) => {
        expect(span.isRecording()).toBe(true);
      });
      await second.shutdown();
      expect(receiver.spans.map((span) => span.name)).toContain('before the last shutdown');
      await inSpan(tracer, 'after', {}, async (span) => expect(span.isRecording()).toBe(false));
    });
  });

  it('records no trace sampled out at its start, nor any span that follows it, and names no trace id', async () => {
    const tracing = startTracing({ service: 'sampled', endpoint: receiver.url, sampleRatio: 0 });
    const before = receiver.spans.length;
    const { logger, lines } = capturingLogger();
    try {
      const carried = await inSpan(tracer, 'sampled out', {}, async (span) => {
        expect(span.isRecording()).toBe(false);
        expect(activeTraceIds()).toBeNull();
        logger.info('inside');
        return traceCarrier();
      });
      // The decision travels: the job's side of a queue does not record either.
      expect(carried?.traceparent).toMatch(/-00$/);
      await inSpan(tracer, 'consumer', { parent: contextFromCarrier(carried) }, async (span) => {
        expect(span.isRecording()).toBe(false);
      });
      await tracing.flush();
      expect(receiver.spans.length).toBe(before);
      expect(lines[0]).not.toHaveProperty('trace_id');
    } finally {
      await tracing.shutdown();
    }
  });
});
