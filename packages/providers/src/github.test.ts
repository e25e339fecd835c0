import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, githubProvider, verifyGithubSignature } from './github.js';
import { redactHeaders, type IncomingHeaders } from './headers.js';
import type { RawDelivery } from './provider.js';

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

function delivery(text: string, headers: IncomingHeaders, contentType = 'application/json'): RawDelivery {
  return { headers, body: Buffer.from(text, 'utf8'), text, contentType, now: new Date('2024-05-01T12:00:00Z') };
}

/** Computed independently of octokit, from GitHub's documented algorithm. */
function githubSignature(secret: string, text: string): string {
  return `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
}

describe('githubProvider.verify', () => {
  const { secret, payload, signature } = GITHUB_EXAMPLE;
  const signed = (text: string, value: string | string[] | undefined = signature) =>
    delivery(text, { 'x-hub-signature-256': value });

  it("accepts GitHub's documented example and reports the secret's index", async () => {
    expect(await githubProvider.verify(signed(payload), [secret])).toEqual({ ok: true, secretIndex: 0 });
  });

  it('rejects one changed byte and a wrong secret', async () => {
    expect(await githubProvider.verify(signed('Hello, World?'), [secret])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(await githubProvider.verify(signed(payload), ['not the secret'])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('accepts the older of two secrets during a rotation and says which', async () => {
    expect(await githubProvider.verify(signed(payload), ['the new secret', secret])).toEqual({
      ok: true,
      secretIndex: 1,
    });
    const body = '{"zen":"rotated"}';
    expect(await githubProvider.verify(signed(body, githubSignature('new', body)), ['new', secret])).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it('never accepts a signature made with an empty key', async () => {
    expect(await githubProvider.verify(signed(payload, githubSignature('', payload)), [''])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('distinguishes a missing signature from a repeated one', async () => {
    expect(await githubProvider.verify(delivery(payload, {}), [secret])).toMatchObject({
      ok: false,
      code: 'missing_signature',
    });
    expect(await githubProvider.verify(signed(payload, [signature, signature]), [secret])).toMatchObject({
      ok: false,
      code: 'duplicated_header',
    });
    expect(await githubProvider.verify(signed(payload, `${signature}, ${signature}`), [secret])).toMatchObject({
      ok: false,
      code: 'duplicated_header',
    });
  });
});

describe('githubProvider.parse', () => {
  it('reads JSON, or the payload field of a form, by content type', () => {
    const json = '{"zen":"ok"}';
    expect(githubProvider.parse(delivery(json, {}))).toEqual({ ok: true, payload: { zen: 'ok' } });
    const form = `payload=${encodeURIComponent(json)}`;
    expect(githubProvider.parse(delivery(form, {}, 'application/x-www-form-urlencoded'))).toEqual({
      ok: true,
      payload: { zen: 'ok' },
    });
    expect(githubProvider.parse(delivery(form, {}))).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(githubProvider.parse(delivery(`${form}&${form}`, {}, 'application/x-www-form-urlencoded'))).toEqual({
      ok: false,
      code: 'invalid_payload',
      message: 'form body has more than one payload field',
    });
  });
});

describe('githubProvider.identify', () => {
  const headers = {
    'x-github-event': 'pull_request',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-github-hook-id': '292430182',
  };

  it('takes the event and delivery from the headers and the action from the payload', () => {
    expect(githubProvider.identify(delivery('{}', headers), { action: 'opened' })).toEqual({
      ok: true,
      identity: {
        eventType: 'pull_request',
        action: 'opened',
        deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        hookId: '292430182',
        isRetry: false,
      },
    });
    const { 'x-github-hook-id': _hook, ...withoutHook } = headers;
    expect(githubProvider.identify(delivery('{}', withoutHook), { zen: 'ok' })).toMatchObject({
      ok: true,
      identity: { eventType: 'pull_request', action: null, hookId: '' },
    });
  });

  it('names each missing required header', () => {
    expect(githubProvider.identify(delivery('{}', {}), {})).toEqual({
      ok: false,
      code: 'missing_headers',
      message: 'missing required headers: x-github-event, x-github-delivery',
    });
    expect(githubProvider.identify(delivery('{}', { 'x-github-event': 'push' }), {})).toEqual({
      ok: false,
      code: 'missing_headers',
      message: 'missing required headers: x-github-delivery',
    });
  });

  it('refuses a repeated event or delivery header', () => {
    expect(
      githubProvider.identify(delivery('{}', { ...headers, 'x-github-event': 'push, pull_request' }), {}),
    ).toMatchObject({ ok: false, code: 'duplicated_header', message: 'x-github-event must appear once' });
    expect(githubProvider.identify(delivery('{}', { ...headers, 'x-github-delivery': ['a', 'b'] }), {})).toMatchObject({
      ok: false,
      code: 'duplicated_header',
    });
  });
});

describe('githubProvider.normalize', () => {
  const identity = (eventType: string, action: string | null = null) => ({
    eventType,
    action,
    deliveryId: 'd-1',
    hookId: 'h-1',
    isRetry: false,
  });

  it('reads a pull_request event', () => {
    const payload = {
      action: 'synchronize',
      number: 42,
      pull_request: {
        number: 42,
        created_at: '2024-04-30T08:00:00Z',
        updated_at: '2024-05-01T11:59:30Z',
        head: { ref: 'feature/retry', sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e' },
        base: { ref: 'main' },
      },
      repository: { full_name: 'hookfleet/hookfleet' },
      sender: { login: 'octocat' },
      installation: { id: 12345 },
    };
    expect(githubProvider.normalize(identity('pull_request', 'synchronize'), payload)).toEqual({
      eventId: 'd-1',
      provider: 'github',
      eventType: 'pull_request',
      action: 'synchronize',
      repository: 'hookfleet/hookfleet',
      actor: 'octocat',
      occurredAt: '2024-05-01T11:59:30.000Z',
      metadata: {
        prNumber: 42,
        branch: 'feature/retry',
        headSha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
        installationId: 12345,
      },
    });
  });

  it('reads a push: ref and branch, head commit, its timestamp in UTC', () => {
    const payload = {
      ref: 'refs/heads/main',
      after: 'f15b32277d2c55c6c595845a87109b09c913c556',
      head_commit: { id: 'f15b32277d2c55c6c595845a87109b09c913c556', timestamp: '2024-05-01T13:58:00+02:00' },
      repository: { full_name: 'hookfleet/hookfleet', pushed_at: 1714564680 },
      sender: { login: 'octocat' },
    };
    const event = githubProvider.normalize(identity('push'), payload);
    expect(event.occurredAt).toBe('2024-05-01T11:58:00.000Z');
    expect(event.metadata).toEqual({
      ref: 'refs/heads/main',
      branch: 'main',
      headSha: 'f15b32277d2c55c6c595845a87109b09c913c556',
    });
  });

  it('prefers the comment over the issue it belongs to, and finds the PR behind an issue', () => {
    const payload = {
      action: 'created',
      issue: { number: 7, updated_at: '2024-05-01T10:00:00Z', pull_request: { url: 'https://api.github.com/x/7' } },
      comment: { updated_at: '2024-05-01T11:00:00Z' },
      repository: { full_name: 'hookfleet/hookfleet' },
      sender: { login: 'hubot' },
    };
    const event = githubProvider.normalize(identity('issue_comment', 'created'), payload);
    expect(event.occurredAt).toBe('2024-05-01T11:00:00.000Z');
    expect(event.metadata).toEqual({ prNumber: 7 });
    const onIssue = { ...payload, issue: { number: 8, updated_at: '2024-05-01T10:00:00Z' } };
    expect(githubProvider.normalize(identity('issue_comment', 'created'), onIssue).metadata).toEqual({
      issueNumber: 8,
    });
  });

  it('reads a completed check_run', () => {
    const payload = {
      action: 'completed',
      check_run: {
        head_sha: 'ce587453ced02b1526dfb4cb910479d431683101',
        started_at: '2024-05-01T11:00:00Z',
        completed_at: '2024-05-01T11:05:00Z',
        check_suite: { head_branch: 'release' },
      },
      repository: { full_name: 'hookfleet/hookfleet' },
      sender: { login: 'ci-bot[bot]' },
    };
    const event = githubProvider.normalize(identity('check_run', 'completed'), payload);
    expect(event.occurredAt).toBe('2024-05-01T11:05:00.000Z');
    expect(event.metadata).toEqual({ branch: 'release', headSha: 'ce587453ced02b1526dfb4cb910479d431683101' });
  });

  it('says null for a ping, which carries no event time, and offers no handshake', () => {
    const payload = { zen: 'Keep it logically awesome.', hook_id: 1, hook: { updated_at: '2024-05-01T11:00:00Z' } };
    expect(githubProvider.normalize(identity('ping'), payload)).toMatchObject({
      occurredAt: null,
      repository: null,
      actor: null,
      metadata: {},
    });
    expect(githubProvider.handshake).toBeUndefined();
  });
});
