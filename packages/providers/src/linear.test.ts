import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IncomingHeaders } from './headers.js';
import { linearProvider } from './linear.js';
import type { DeliveryIdentity, RawDelivery } from './provider.js';

// Linear publishes no test vector. Its documented algorithm, computed here with node:crypto: Linear-Signature
// is the hex HMAC-SHA256 of the raw body under the webhook's signing secret.
const SECRET = 'lin_wh_5f1e0c6b2a9d4e7f8a3b1c2d';
const OLD_SECRET = 'lin_wh_0a1b2c3d4e5f60718293a4b5';
const SENT_AT = 1_714_564_800_000; // 2024-05-01T12:00:00Z

function linearSignature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

// Shaped like the Issue example in Linear's webhook documentation.
const ISSUE_CREATED = {
  action: 'create',
  type: 'Issue',
  createdAt: '2024-05-01T11:59:58.120Z',
  organizationId: 'b1a4d1e2-0000-4000-8000-0000000000aa',
  webhookId: '3f2a1d8e-1111-4000-8000-0000000000bb',
  webhookTimestamp: SENT_AT,
  url: 'https://linear.app/acme/issue/ENG-123/retry-failed-deliveries',
  actor: { id: '2e7c1b0a-2222-4000-8000-0000000000cc', name: 'Ada Lovelace', type: 'user' },
  data: {
    id: '9c0d6e4f-3333-4000-8000-0000000000dd',
    identifier: 'ENG-123',
    number: 123,
    title: 'Retry failed deliveries',
    team: { id: '6a8b2c4d-4444-4000-8000-0000000000ee', key: 'ENG', name: 'Engineering' },
    teamId: '6a8b2c4d-4444-4000-8000-0000000000ee',
    url: 'https://linear.app/acme/issue/ENG-123/retry-failed-deliveries',
  },
};

function delivery(text: string, headers: IncomingHeaders, nowMs = SENT_AT): RawDelivery {
  return { headers, body: Buffer.from(text, 'utf8'), text, contentType: 'application/json', now: new Date(nowMs) };
}

function signed(payload: object, options: { secret?: string; nowMs?: number; headers?: IncomingHeaders } = {}) {
  const body = JSON.stringify(payload);
  return delivery(
    body,
    {
      'linear-signature': linearSignature(options.secret ?? SECRET, body),
      'linear-delivery': '1c9b3d0e-5555-4000-8000-0000000000ff',
      ...options.headers,
    },
    options.nowMs,
  );
}

describe('linearProvider.verify', () => {
  it('accepts a body signed by the documented algorithm', () => {
    expect(linearProvider.verify(signed(ISSUE_CREATED), [SECRET])).toEqual({ ok: true, secretIndex: 0 });
  });

  it('rejects one changed byte and a wrong secret', () => {
    const genuine = signed(ISSUE_CREATED);
    const tampered = genuine.text.replace('ENG-123', 'ENG-124');
    expect(linearProvider.verify(delivery(tampered, genuine.headers), [SECRET])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(linearProvider.verify(signed(ISSUE_CREATED), [OLD_SECRET])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('never accepts a signature made with an empty key, even if a secret is misconfigured as empty', () => {
    expect(linearProvider.verify(signed(ISSUE_CREATED, { secret: '' }), [''])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('accepts the older of two secrets and says which', () => {
    expect(linearProvider.verify(signed(ISSUE_CREATED, { secret: OLD_SECRET }), [SECRET, OLD_SECRET])).toEqual({
      ok: true,
      secretIndex: 1,
    });
  });

  it('accepts webhookTimestamp within 60 s either way and refuses 1 ms more', () => {
    for (const nowMs of [SENT_AT + 60_000, SENT_AT - 60_000]) {
      expect(linearProvider.verify(signed(ISSUE_CREATED, { nowMs }), [SECRET])).toMatchObject({ ok: true });
    }
    for (const nowMs of [SENT_AT + 60_001, SENT_AT - 60_001]) {
      expect(linearProvider.verify(signed(ISSUE_CREATED, { nowMs }), [SECRET])).toMatchObject({
        ok: false,
        code: 'timestamp_out_of_range',
      });
    }
  });

  it('refuses a signed body without webhookTimestamp', () => {
    const { webhookTimestamp: _ts, ...undated } = ISSUE_CREATED;
    expect(linearProvider.verify(signed(undated), [SECRET])).toEqual({
      ok: false,
      code: 'invalid_payload',
      message: 'payload has no numeric webhookTimestamp',
    });
  });

  it('names a missing signature and refuses a repeated one', () => {
    const genuine = signed(ISSUE_CREATED);
    const signature = genuine.headers['linear-signature'] as string;
    expect(linearProvider.verify(delivery(genuine.text, {}), [SECRET])).toMatchObject({
      ok: false,
      code: 'missing_signature',
    });
    expect(
      linearProvider.verify(delivery(genuine.text, { 'linear-signature': [signature, signature] }), [SECRET]),
    ).toMatchObject({ ok: false, code: 'duplicated_header' });
    expect(
      linearProvider.verify(delivery(genuine.text, { 'linear-signature': `${signature}, ${signature}` }), [SECRET]),
    ).toMatchObject({ ok: false, code: 'duplicated_header' });
  });
});

describe('linearProvider.identify', () => {
  it('dedupes on Linear-Delivery, namespaced by webhookId', () => {
    expect(linearProvider.identify(signed(ISSUE_CREATED), ISSUE_CREATED)).toEqual({
      ok: true,
      identity: {
        eventType: 'Issue',
        action: 'create',
        deliveryId: '1c9b3d0e-5555-4000-8000-0000000000ff',
        hookId: '3f2a1d8e-1111-4000-8000-0000000000bb',
        isRetry: false,
      },
    });
  });

  it('without Linear-Delivery, derives a key that a retry shares and another change does not', () => {
    const noHeader = delivery('{}', {});
    const first = linearProvider.identify(noHeader, ISSUE_CREATED);
    const retry = linearProvider.identify(noHeader, { ...ISSUE_CREATED, webhookTimestamp: SENT_AT + 60_000 });
    const other = linearProvider.identify(noHeader, {
      ...ISSUE_CREATED,
      data: { ...ISSUE_CREATED.data, id: '9c0d6e4f-3333-4000-8000-000000000001' },
    });
    expect(first).toMatchObject({
      ok: true,
      identity: { deliveryId: 'Issue:create:9c0d6e4f-3333-4000-8000-0000000000dd@2024-05-01T11:59:58.120Z' },
    });
    if (!first.ok || !retry.ok || !other.ok) throw new Error('identify failed');
    expect(retry.identity.deliveryId).toBe(first.identity.deliveryId);
    expect(other.identity.deliveryId).not.toBe(first.identity.deliveryId);
    const { createdAt: _createdAt, ...undated } = ISSUE_CREATED;
    expect(linearProvider.identify(noHeader, undated)).toMatchObject({ ok: false, code: 'missing_headers' });
  });

  it('refuses a repeated Linear-Delivery and a payload without type', () => {
    expect(linearProvider.identify(delivery('{}', { 'linear-delivery': ['a', 'b'] }), ISSUE_CREATED)).toMatchObject({
      ok: false,
      code: 'duplicated_header',
    });
    const { type: _type, ...untyped } = ISSUE_CREATED;
    expect(linearProvider.identify(signed(untyped), untyped)).toMatchObject({ ok: false, code: 'invalid_payload' });
  });
});

describe('linearProvider.normalize', () => {
  it('reads an Issue event: team key, actor, createdAt, identifier and url', () => {
    const identity: DeliveryIdentity = {
      eventType: 'Issue',
      action: 'create',
      deliveryId: '1c9b3d0e-5555-4000-8000-0000000000ff',
      hookId: '3f2a1d8e-1111-4000-8000-0000000000bb',
      isRetry: false,
    };
    expect(linearProvider.normalize(identity, ISSUE_CREATED)).toEqual({
      eventId: '1c9b3d0e-5555-4000-8000-0000000000ff',
      provider: 'linear',
      eventType: 'Issue',
      action: 'create',
      repository: 'ENG',
      actor: 'Ada Lovelace',
      occurredAt: '2024-05-01T11:59:58.120Z',
      metadata: {
        identifier: 'ENG-123',
        url: 'https://linear.app/acme/issue/ENG-123/retry-failed-deliveries',
        entityId: '9c0d6e4f-3333-4000-8000-0000000000dd',
        actorId: '2e7c1b0a-2222-4000-8000-0000000000cc',
        organizationId: 'b1a4d1e2-0000-4000-8000-0000000000aa',
      },
    });
  });
});
