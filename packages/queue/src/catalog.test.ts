import { describe, expect, it } from 'vitest';
import { eventJobDataSchema, forwardJobDataSchema } from './catalog.js';

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
