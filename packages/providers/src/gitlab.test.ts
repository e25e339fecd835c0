import { describe, expect, it } from 'vitest';
import { findGitlabTokenSecret, gitlabEventTypeFromHeader, gitlabProvider } from './gitlab.js';
import type { IncomingHeaders } from './headers.js';
import type { RawDelivery } from './provider.js';

// GitLab publishes no test vector and does not sign: the documented check is that X-Gitlab-Token equals the
// secret configured on the hook, so the expected values below are the secrets themselves.
const SECRET = 'gl-hook-token-2024';
const OLD_SECRET = 'gl-hook-token-2023';

function delivery(text: string, headers: IncomingHeaders): RawDelivery {
  return {
    headers,
    body: Buffer.from(text, 'utf8'),
    text,
    contentType: 'application/json',
    now: new Date('2024-05-01T12:00:00Z'),
  };
}

const withToken = (token: string | string[] | undefined) =>
  delivery('{"object_kind":"push"}', { 'x-gitlab-token': token });

describe('gitlabProvider.verify', () => {
  it('accepts the configured token', () => {
    expect(gitlabProvider.verify(withToken(SECRET), [SECRET])).toEqual({ ok: true, secretIndex: 0 });
  });

  it('rejects one changed byte, a prefix, a longer token and a wrong secret', () => {
    for (const token of [SECRET.slice(0, -1) + '5', SECRET.slice(0, -1), `${SECRET}x`, 'something else']) {
      expect(gitlabProvider.verify(withToken(token), [SECRET])).toMatchObject({ ok: false, code: 'invalid_signature' });
    }
  });

  it('accepts the older of two secrets and says which', () => {
    expect(gitlabProvider.verify(withToken(OLD_SECRET), [SECRET, OLD_SECRET])).toEqual({ ok: true, secretIndex: 1 });
  });

  it('never matches an empty secret, not even an empty token', () => {
    expect(findGitlabTokenSecret([''], '')).toBe(-1);
    expect(findGitlabTokenSecret(['', SECRET], SECRET)).toBe(1);
  });

  it('distinguishes a missing token from a repeated one, and lets a token contain ", "', () => {
    expect(gitlabProvider.verify(withToken(undefined), [SECRET])).toMatchObject({
      ok: false,
      code: 'missing_signature',
    });
    expect(gitlabProvider.verify(withToken([SECRET, SECRET]), [SECRET])).toMatchObject({
      ok: false,
      code: 'duplicated_header',
    });
    expect(gitlabProvider.verify(withToken('a, b'), ['a, b'])).toEqual({ ok: true, secretIndex: 0 });
  });
});

// Shaped like the examples in GitLab's "Webhook events" documentation.
const MERGE_REQUEST = {
  object_kind: 'merge_request',
  event_type: 'merge_request',
  user: { id: 1, name: 'Administrator', username: 'root' },
  project: { id: 1, path_with_namespace: 'gitlabhq/gitlab-test' },
  object_attributes: {
    id: 99,
    iid: 1,
    target_branch: 'master',
    source_branch: 'ms-viewport',
    created_at: '2013-12-03T17:23:34Z',
    updated_at: '2013-12-03T17:23:34Z',
    last_commit: { id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' },
    action: 'open',
  },
};

const PIPELINE = {
  object_kind: 'pipeline',
  object_attributes: {
    id: 31,
    ref: 'master',
    sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
    status: 'success',
    created_at: '2016-08-12 15:23:28 UTC',
    finished_at: '2016-08-12 15:26:29 UTC',
  },
  merge_request: { id: 1, iid: 1 },
  user: { username: 'root' },
  project: { path_with_namespace: 'gitlab-org/gitlab-test' },
};

const PUSH = {
  object_kind: 'push',
  ref: 'refs/heads/master',
  checkout_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
  user_username: 'jsmith',
  project: { path_with_namespace: 'mike/diaspora' },
  commits: [
    { id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', timestamp: '2011-12-12T14:27:31+02:00' },
    { id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', timestamp: '2012-01-03T23:36:29+02:00' },
  ],
};

describe('gitlabProvider.identify', () => {
  const headers = {
    'x-gitlab-event': 'Merge Request Hook',
    'idempotency-key': 'a5461c4d-9c7f-4af9-add6-cddebe3c426f',
    'x-gitlab-event-uuid': '9cebe914-4827-408f-b014-cfa23a47a35f',
  };

  it('dedupes on Idempotency-Key, types by object_kind, acts by object_attributes.action', () => {
    expect(gitlabProvider.identify(delivery('{}', headers), MERGE_REQUEST)).toEqual({
      ok: true,
      identity: {
        eventType: 'merge_request',
        action: 'open',
        deliveryId: 'a5461c4d-9c7f-4af9-add6-cddebe3c426f',
        hookId: '',
        isRetry: false,
      },
    });
  });

  it('falls back to X-Gitlab-Event-UUID, and needs one of the two', () => {
    const { 'idempotency-key': _key, ...older } = headers;
    expect(gitlabProvider.identify(delivery('{}', older), PUSH)).toMatchObject({
      ok: true,
      identity: { eventType: 'push', action: null, deliveryId: '9cebe914-4827-408f-b014-cfa23a47a35f' },
    });
    expect(gitlabProvider.identify(delivery('{}', { 'x-gitlab-event': 'Push Hook' }), PUSH)).toEqual({
      ok: false,
      code: 'missing_headers',
      message: 'missing required headers: idempotency-key or x-gitlab-event-uuid',
    });
  });

  it('refuses repeated identifying headers', () => {
    for (const repeated of [
      { 'idempotency-key': 'a5461c4d-9c7f-4af9-add6-cddebe3c426f, a5461c4d-9c7f-4af9-add6-cddebe3c426f' },
      { 'x-gitlab-event-uuid': ['u1', 'u2'] },
      { 'x-gitlab-event': 'Push Hook, Push Hook' },
    ]) {
      expect(gitlabProvider.identify(delivery('{}', { ...headers, ...repeated }), PUSH)).toMatchObject({
        ok: false,
        code: 'duplicated_header',
      });
    }
  });

  it('reads the event type from X-Gitlab-Event when the payload has no object_kind', () => {
    expect(gitlabEventTypeFromHeader('Merge Request Hook')).toBe('merge_request');
    expect(gitlabEventTypeFromHeader('Tag Push Hook')).toBe('tag_push');
    expect(gitlabEventTypeFromHeader('Push Hook')).toBe('push');
    expect(
      gitlabProvider.identify(delivery('{}', { ...headers, 'x-gitlab-event': 'Deployment Hook' }), { status: 'ok' }),
    ).toMatchObject({ ok: true, identity: { eventType: 'deployment' } });
    const { 'x-gitlab-event': _event, ...noEvent } = headers;
    expect(gitlabProvider.identify(delivery('{}', noEvent), { status: 'ok' })).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
  });
});

describe('gitlabProvider.normalize', () => {
  const identity = (eventType: string, action: string | null = null) => ({
    eventType,
    action,
    deliveryId: 'key-1',
    hookId: '',
    isRetry: false,
  });

  it('reads a merge request event', () => {
    expect(gitlabProvider.normalize(identity('merge_request', 'open'), MERGE_REQUEST)).toEqual({
      eventId: 'key-1',
      provider: 'gitlab',
      eventType: 'merge_request',
      action: 'open',
      repository: 'gitlabhq/gitlab-test',
      actor: 'root',
      occurredAt: '2013-12-03T17:23:34.000Z',
      metadata: {
        mergeRequestIid: 1,
        ref: 'ms-viewport',
        targetBranch: 'master',
        checkoutSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      },
    });
  });

  it('reads a pipeline event, with GitLab\'s older "UTC" timestamps', () => {
    const event = gitlabProvider.normalize(identity('pipeline'), PIPELINE);
    expect(event).toMatchObject({ repository: 'gitlab-org/gitlab-test', actor: 'root' });
    expect(event.occurredAt).toBe('2016-08-12T15:26:29.000Z');
    expect(event.metadata).toEqual({
      mergeRequestIid: 1,
      ref: 'master',
      checkoutSha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      pipelineId: 31,
      pipelineStatus: 'success',
    });
  });

  it('reads a push: user_username, and the time of the head commit, not the last listed', () => {
    const reordered = { ...PUSH, commits: [...PUSH.commits].reverse() };
    for (const payload of [PUSH, reordered]) {
      const event = gitlabProvider.normalize(identity('push'), payload);
      expect(event).toMatchObject({
        repository: 'mike/diaspora',
        actor: 'jsmith',
        occurredAt: '2012-01-03T21:36:29.000Z',
      });
      expect(event.metadata).toEqual({
        ref: 'refs/heads/master',
        checkoutSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      });
    }
  });
});
