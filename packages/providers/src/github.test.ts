import { describe, expect, it } from 'vitest';
import { decodeUtf8, parseGithubPayload, readGithubHeaders, verifyGithubSignature } from './github.js';
import { redactHeaders } from './headers.js';

// GitHub's documented test vector ("Validating webhook deliveries").
const GITHUB_EXAMPLE = {
  secret: "It's a Secret to Everybody",
  payload: 'Hello, World!',
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
};

describe('verifyGithubSignature', () => {
  it("accepts GitHub's documented example", async () => {
    expect(
      await verifyGithubSignature(GITHUB_EXAMPLE.secret, GITHUB_EXAMPLE.payload, GITHUB_EXAMPLE.signature),
    ).toEqual({ ok: true });
  });

  it('rejects a changed body, a wrong secret, a malformed or missing header', async () => {
    const { secret, payload, signature } = GITHUB_EXAMPLE;
    expect(await verifyGithubSignature(secret, 'Hello, World?', signature)).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(await verifyGithubSignature('other', payload, signature)).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(await verifyGithubSignature(secret, payload, signature.slice(0, -1))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(await verifyGithubSignature(secret, payload, signature.replace('sha256=', 'sha1='))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(await verifyGithubSignature(secret, payload, undefined)).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('decodeUtf8', () => {
  it('decodes valid UTF-8 and refuses invalid bytes instead of replacing them', () => {
    expect(decodeUtf8(Buffer.from('héllo ✓', 'utf8'))).toBe('héllo ✓');
    expect(decodeUtf8(Buffer.from([0x7b, 0xff, 0x7d]))).toBeNull();
  });
});

describe('parseGithubPayload', () => {
  it('reads JSON and the form-encoded payload field', () => {
    expect(parseGithubPayload('{"zen":"ok"}', false)).toEqual({ ok: true, payload: { zen: 'ok' } });
    const form = `payload=${encodeURIComponent('{"zen":"ok"}')}`;
    expect(parseGithubPayload(form, true)).toEqual({ ok: true, payload: { zen: 'ok' } });
  });

  it('refuses what is not a JSON object', () => {
    expect(parseGithubPayload('{"zen":', false).ok).toBe(false);
    expect(parseGithubPayload('[1,2]', false).ok).toBe(false);
    expect(parseGithubPayload('null', false).ok).toBe(false);
    expect(parseGithubPayload('zen=ok', true).ok).toBe(false);
  });
});

describe('readGithubHeaders', () => {
  it('names each missing required header', () => {
    expect(readGithubHeaders({})).toEqual({ ok: false, missing: ['X-GitHub-Event', 'X-GitHub-Delivery'] });
    expect(readGithubHeaders({ 'x-github-event': 'ping', 'x-github-delivery': 'd1' })).toEqual({
      ok: true,
      headers: { event: 'ping', deliveryId: 'd1', hookId: '' },
    });
  });
});

describe('redactHeaders', () => {
  it('hides signatures and credentials and keeps the rest', () => {
    const stored = redactHeaders({
      'X-Hub-Signature-256': 'sha256=abc',
      authorization: 'Bearer secret',
      'x-github-event': 'push',
      accept: ['a', 'b'],
    });
    expect(stored).toEqual({
      'x-hub-signature-256': '[redacted]',
      authorization: '[redacted]',
      'x-github-event': 'push',
      accept: 'a, b',
    });
    expect(JSON.stringify(stored)).not.toContain('secret');
  });
});
