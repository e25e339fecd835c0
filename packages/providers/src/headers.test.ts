import { describe, expect, it } from 'vitest';
import { readSingleHeader, redactHeaders } from './headers.js';

describe('readSingleHeader', () => {
  it('reads one value, trimmed, and null when absent or blank', () => {
    expect(readSingleHeader({ 'x-a': ' v1 ' }, 'x-a')).toEqual({ ok: true, value: 'v1' });
    expect(readSingleHeader({ 'x-a': ['v1'] }, 'x-a')).toEqual({ ok: true, value: 'v1' });
    expect(readSingleHeader({}, 'x-a')).toEqual({ ok: true, value: null });
    expect(readSingleHeader({ 'x-a': '  ' }, 'x-a')).toEqual({ ok: true, value: null });
  });

  it('refuses a repeated header, as an array or as the value Node joined', () => {
    const duplicated = { ok: false, code: 'duplicated_header', message: 'x-a must appear once' };
    expect(readSingleHeader({ 'x-a': ['v1', 'v2'] }, 'x-a')).toEqual(duplicated);
    expect(readSingleHeader({ 'x-a': 'v1, v2' }, 'x-a')).toEqual(duplicated);
    expect(readSingleHeader({ 'x-a': 'v1,x v2,y' }, 'x-a', { joinedBy: ', ' })).toEqual({
      ok: true,
      value: 'v1,x v2,y',
    });
    expect(readSingleHeader({ 'x-a': 'v1,x, v2,y' }, 'x-a', { joinedBy: ', ' })).toEqual(duplicated);
    expect(readSingleHeader({ 'x-a': 'se, cret' }, 'x-a', { joinedBy: null })).toEqual({ ok: true, value: 'se, cret' });
    expect(readSingleHeader({ 'x-a': ['se', 'cret'] }, 'x-a', { joinedBy: null })).toEqual(duplicated);
  });
});

describe('redactHeaders', () => {
  it('hides every provider secret and signature header', () => {
    const stored = redactHeaders({
      'x-gitlab-token': 'gl-secret',
      'x-slack-signature': 'v0=abc',
      'linear-signature': 'abc',
      'webhook-signature': 'v1,abc',
      'webhook-id': 'msg_1',
    });
    expect(stored).toEqual({
      'x-gitlab-token': '[redacted]',
      'x-slack-signature': '[redacted]',
      'linear-signature': '[redacted]',
      'webhook-signature': '[redacted]',
      'webhook-id': 'msg_1',
    });
  });
});

describe('redaction by rule', () => {
  const credentials = [
    'authorization',
    'proxy-authorization',
    'cookie',
    'x-api-key',
    'X-API-Key',
    'apikey',
    'x-functions-key',
    'ocp-apim-subscription-key',
    'x-auth-token',
    'x-amz-security-token',
    'x-access-token',
    'x-client-secret',
    'x-password',
    'x-shopify-hmac-sha256',
    'stripe-signature',
    'x-twilio-signature',
    'sentry-hook-signature',
    'x-hub-signature-256',
    'x-csrf-token',
    'x-session-id',
    'x-private-key-id',
    'paypal-transmission-sig',
    'x-trello-webhook',
    'x-airtable-content-mac',
    'plaid-verification',
    'x-honeycomb-team',
    'x-jfrog-art-api',
    'dpop',
  ];
  const ordinary = [
    'content-type',
    'user-agent',
    'x-github-delivery',
    'x-github-event',
    'x-github-hook-installation-target-id',
    'x-gitlab-event-uuid',
    'idempotency-key',
    'webhook-id',
    'webhook-timestamp',
    'x-slack-request-timestamp',
    'x-request-id',
    'x-forwarded-for',
    'x-api-version',
    'paypal-transmission-id',
    'x-machine-name',
  ];

  it.each(credentials)('redacts %s', (name) => {
    expect(redactHeaders({ [name]: 'value' })).toEqual({ [name.toLowerCase()]: '[redacted]' });
  });

  it.each(ordinary)('keeps %s', (name) => {
    expect(redactHeaders({ [name]: 'value' })).toEqual({ [name]: 'value' });
  });

  it('also redacts the names a source lists, in any case', () => {
    expect(redactHeaders({ 'x-tenant-pin': '1234', 'x-other': 'a' }, ['X-Tenant-PIN'])).toEqual({
      'x-tenant-pin': '[redacted]',
      'x-other': 'a',
    });
  });
});
