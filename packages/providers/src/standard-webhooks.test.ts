import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IncomingHeaders } from './headers.js';
import type { DeliveryIdentity, RawDelivery } from './provider.js';
import { standardWebhooksProvider } from './standard-webhooks.js';

// The example in the Standard Webhooks specification (standard-webhooks.md, "Verifying webhook authenticity").
const SPEC_EXAMPLE = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const OTHER_SECRET = `whsec_${Buffer.from('a different 24-byte key!').toString('base64')}`;

/** The spec's algorithm, independent of the library: base64 HMAC-SHA256 of "{id}.{timestamp}.{body}". */
function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function delivery(text: string, headers: IncomingHeaders, nowSeconds: number): RawDelivery {
  return {
    headers,
    body: Buffer.from(text, 'utf8'),
    text,
    contentType: 'application/json',
    now: new Date(nowSeconds * 1000),
  };
}

const example = (overrides: { text?: string; headers?: IncomingHeaders; now?: number } = {}) =>
  delivery(
    overrides.text ?? SPEC_EXAMPLE.payload,
    {
      'webhook-id': SPEC_EXAMPLE.id,
      'webhook-timestamp': String(SPEC_EXAMPLE.timestamp),
      'webhook-signature': SPEC_EXAMPLE.signature,
      ...overrides.headers,
    },
    overrides.now ?? SPEC_EXAMPLE.timestamp,
  );

describe('standardWebhooksProvider.verify', () => {
  const { secret } = SPEC_EXAMPLE;

  it("accepts the specification's example, judged by delivery.now and not by the real clock", () => {
    expect(standardSignature(secret, SPEC_EXAMPLE.id, SPEC_EXAMPLE.timestamp, SPEC_EXAMPLE.payload)).toBe(
      SPEC_EXAMPLE.signature,
    );
    // 2021: the library's own verify() would call this too old against Date.now().
    expect(standardWebhooksProvider.verify(example(), [secret])).toEqual({ ok: true, secretIndex: 0 });
  });

  it('rejects one changed byte, a changed id and a wrong secret', () => {
    expect(standardWebhooksProvider.verify(example({ text: '{"test": 2432232315}' }), [secret])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(
      standardWebhooksProvider.verify(example({ headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJeK' } }), [secret]),
    ).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(standardWebhooksProvider.verify(example(), [OTHER_SECRET])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('accepts the older of two secrets and says which', () => {
    expect(standardWebhooksProvider.verify(example(), [OTHER_SECRET, secret])).toEqual({ ok: true, secretIndex: 1 });
  });

  it('accepts any one of several space-separated signatures, and only v1 ones', () => {
    const wrong = standardSignature(OTHER_SECRET, SPEC_EXAMPLE.id, SPEC_EXAMPLE.timestamp, SPEC_EXAMPLE.payload);
    const rotated = { 'webhook-signature': `${wrong} ${SPEC_EXAMPLE.signature}` };
    expect(standardWebhooksProvider.verify(example({ headers: rotated }), [secret])).toEqual({
      ok: true,
      secretIndex: 0,
    });
    const asymmetric = { 'webhook-signature': SPEC_EXAMPLE.signature.replace('v1,', 'v1a,') };
    expect(standardWebhooksProvider.verify(example({ headers: asymmetric }), [secret])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('accepts 5 minutes of skew either way and refuses one second more', () => {
    const { timestamp } = SPEC_EXAMPLE;
    for (const now of [timestamp + 300, timestamp - 300]) {
      expect(standardWebhooksProvider.verify(example({ now }), [secret])).toMatchObject({ ok: true });
    }
    for (const now of [timestamp + 301, timestamp - 301]) {
      expect(standardWebhooksProvider.verify(example({ now }), [secret])).toMatchObject({
        ok: false,
        code: 'timestamp_out_of_range',
      });
    }
  });

  it('names missing headers and refuses repeated ones', () => {
    expect(
      standardWebhooksProvider.verify(example({ headers: { 'webhook-signature': undefined } }), [secret]),
    ).toMatchObject({
      ok: false,
      code: 'missing_signature',
    });
    expect(
      standardWebhooksProvider.verify(
        example({ headers: { 'webhook-id': undefined, 'webhook-timestamp': undefined } }),
        [secret],
      ),
    ).toEqual({
      ok: false,
      code: 'missing_headers',
      message: 'missing required headers: webhook-id, webhook-timestamp',
    });
    for (const repeated of [
      { 'webhook-id': `${SPEC_EXAMPLE.id}, ${SPEC_EXAMPLE.id}` },
      { 'webhook-timestamp': [String(SPEC_EXAMPLE.timestamp), String(SPEC_EXAMPLE.timestamp)] },
      { 'webhook-signature': `${SPEC_EXAMPLE.signature}, ${SPEC_EXAMPLE.signature}` },
    ]) {
      expect(standardWebhooksProvider.verify(example({ headers: repeated }), [secret])).toMatchObject({
        ok: false,
        code: 'duplicated_header',
      });
    }
  });

  it('throws on a secret that is not a key, without echoing it', () => {
    expect(() => standardWebhooksProvider.verify(example(), ['whsec_not*base64'])).toThrow(
      'Standard Webhooks secret #0 is not a whsec_ base64 key',
    );
    expect(() => standardWebhooksProvider.verify(example(), ['whsec_not*base64'])).not.toThrow(/not\*base64/);
  });
});

describe('standardWebhooksProvider identify and normalize', () => {
  const payload = {
    type: 'invoice.paid',
    timestamp: '2024-05-01T11:59:59.500Z',
    data: { id: 'in_1P', amount: 4200 },
  };

  it('dedupes on webhook-id and types by payload.type', () => {
    expect(standardWebhooksProvider.identify(example(), payload)).toEqual({
      ok: true,
      identity: { eventType: 'invoice.paid', action: null, deliveryId: SPEC_EXAMPLE.id, hookId: '', isRetry: false },
    });
    expect(standardWebhooksProvider.identify(example(), { data: {} })).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
    expect(standardWebhooksProvider.identify(example({ headers: { 'webhook-id': undefined } }), payload)).toMatchObject(
      {
        ok: false,
        code: 'missing_headers',
      },
    );
  });

  it('takes occurredAt from payload.timestamp', () => {
    const identity: DeliveryIdentity = {
      eventType: 'invoice.paid',
      action: null,
      deliveryId: SPEC_EXAMPLE.id,
      hookId: '',
      isRetry: false,
    };
    expect(standardWebhooksProvider.normalize(identity, payload)).toEqual({
      eventId: SPEC_EXAMPLE.id,
      provider: 'standard',
      eventType: 'invoice.paid',
      action: null,
      repository: null,
      actor: null,
      occurredAt: '2024-05-01T11:59:59.500Z',
      metadata: {},
    });
  });
});
