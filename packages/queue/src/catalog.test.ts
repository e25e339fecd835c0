import { describe, expect, it } from 'vitest';
import { eventJobDataSchema, eventJobId, forwardJobDataSchema } from './catalog.js';

const eventId = '7b0d1c52-3f4e-4a8b-9c2d-1e2f3a4b5c6d';
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('job data', () => {
  it('carries a trace context, and jobs queued before tracing still parse', () => {
    expect(eventJobDataSchema.parse({ eventId, trace: { traceparent } })).toEqual({ eventId, trace: { traceparent } });
    expect(eventJobDataSchema.parse({ eventId })).toEqual({ eventId });
    expect(forwardJobDataSchema.parse({ eventId, generation: 1, trace: { traceparent, tracestate: 'a=1' } })).toEqual({
      eventId,
      generation: 1,
      trace: { traceparent, tracestate: 'a=1' },
    });
  });

  it('drops a malformed trace context instead of failing the job', () => {
    expect(eventJobDataSchema.parse({ eventId, trace: { traceparent: 42 } })).toEqual({ eventId });
    expect(eventJobDataSchema.parse({ eventId, trace: 'x'.repeat(10) }).trace).toBeUndefined();
  });
});

describe('eventJobId', () => {
  const id = '6f1c0b1e-2f1a-4c6e-9a43-0c1d2e3f4a5b';
  it('is the same for the same event and generation, and new for a reprocess or a retry', () => {
    expect(eventJobId(id)).toBe(eventJobId(id, 0, 0));
    const ids = new Set([eventJobId(id), eventJobId(id, 1), eventJobId(id, 1, 3), eventJobId(id, 2)]);
    expect(ids.size).toBe(4);
  });
  it('never contains a colon (BullMQ refuses them in custom ids)', () => {
    expect(eventJobId(id, 7, 2)).not.toContain(':');
  });
});
