// Sources through the running ingress: every provider's signature scheme, rotation, replay windows,
// allowlists, validation and rate limits shared by two ingress instances.
import { createHmac, randomBytes } from 'node:crypto';
import { parseConfig } from '@hookfleet/config';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createSecretBox, createSource, rotateSourceSecret, updateSource, type SourceDeps } from '@hookfleet/sources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingressConfigSchema } from './config.js';
import { startIngress, type RunningIngress } from './ingress.js';

const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');
let clock = new Date();
const now = () => clock;

let environment: TestEnvironment;
let prisma: PrismaClient;
let deps: SourceDeps;
let ingress: RunningIngress;

async function start(overrides: Record<string, string> = {}): Promise<RunningIngress> {
  return startIngress(
    parseConfig(ingressConfigSchema, {
      ...environment.env,
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      SOURCE_SECRETS_KEY,
      SOURCE_CACHE_TTL_MS: '0',
      ...overrides,
    }),
    { now },
  );
}

beforeAll(async () => {
  environment = await testEnvironment();
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 2 });
  deps = { prisma, box: createSecretBox(SOURCE_SECRETS_KEY) };
  ingress = await start();
});

afterAll(async () => {
  await ingress?.stop();
  await prisma?.$disconnect();
  await environment?.cleanup();
});

const hmacHex = (secret: string | Buffer, data: string) => createHmac('sha256', secret).update(data).digest('hex');
const seconds = () => Math.floor(clock.getTime() / 1000);

async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Record<string, unknown>,
  };
}

const hookUrl = (provider: string, sourceId: string) => `${ingress.url}/webhooks/${provider}/${sourceId}`;

describe('each provider through a source', () => {
  it('GitLab: token checked, normalized and deduplicated on Idempotency-Key', async () => {
    const { source, secret } = await createSource(deps, { provider: 'gitlab', name: 'gitlab-main' });
    const body = JSON.stringify({
      object_kind: 'merge_request',
      user: { username: 'alice' },
      project: { path_with_namespace: 'group/app' },
      object_attributes: { iid: 7, action: 'open', updated_at: '2026-01-02T03:04:05Z' },
    });
    const headers = { 'x-gitlab-token': secret, 'x-gitlab-event': 'Merge Request Hook', 'idempotency-key': 'gl-1' };
    const accepted = await post(hookUrl('gitlab', source.id), body, headers);
    expect(accepted).toMatchObject({ status: 202, body: { status: 'accepted', deliveryId: 'gl-1' } });
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: accepted.body.eventId as string } });
    expect(row).toMatchObject({
      provider: 'gitlab',
      sourceId: source.id,
      eventType: 'merge_request',
      action: 'open',
      repository: 'group/app',
      sender: 'alice',
    });
    expect(row.matchedSecretId).toBe(source.secrets[0]!.id);
    expect(row.normalized).toMatchObject({ provider: 'gitlab', repository: 'group/app', actor: 'alice' });
    expect(row.headers).toMatchObject({ 'x-gitlab-token': '[redacted]' });

    expect((await post(hookUrl('gitlab', source.id), body, headers)).body).toMatchObject({
      status: 'duplicate',
      eventId: row.id,
    });
    expect((await post(hookUrl('gitlab', source.id), body, { ...headers, 'x-gitlab-token': 'wrong' })).status).toBe(
      401,
    );
  });

  it('Slack: url_verification echoed without storing; a retry of an event is a duplicate; an old timestamp is a replay', async () => {
    const { source } = await createSource(deps, {
      provider: 'slack',
      name: 'workspace',
      secret: 'slack-signing-secret',
    });
    const sign = (body: string, timestamp = seconds()) => ({
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${hmacHex('slack-signing-secret', `v0:${timestamp}:${body}`)}`,
    });
    const before = await prisma.webhookEvent.count();
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    expect(await post(hookUrl('slack', source.id), challenge, sign(challenge))).toMatchObject({
      status: 200,
      body: { challenge: 'abc123' },
    });
    expect(await prisma.webhookEvent.count()).toBe(before);

    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev1',
      event_time: 1700000000,
      event: { type: 'app_mention', user: 'U1', text: 'hi' },
    });
    const first = await post(hookUrl('slack', source.id), event, sign(event));
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const retry = await post(hookUrl('slack', source.id), event, {
      ...sign(event),
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: first.body.eventId } });

    const stale = await post(hookUrl('slack', source.id), event, sign(event, seconds() - 6 * 60));
    expect(stale).toMatchObject({ status: 401, body: { code: 'timestamp_out_of_range' } });
  });

  it('Linear: hex signature, webhookTimestamp within 60 s, a retry restamped by Linear is a duplicate', async () => {
    const { source } = await createSource(deps, {
      provider: 'linear',
      name: 'linear',
      secret: 'linear-webhook-secret',
    });
    const payload = (timestamp: number) =>
      JSON.stringify({
        type: 'Issue',
        action: 'create',
        createdAt: clock.toISOString(),
        webhookTimestamp: timestamp,
        data: { id: 'i1', identifier: 'ENG-1', team: { key: 'ENG' } },
        actor: { id: 'u1', name: 'Ann' },
      });
    const fresh = payload(clock.getTime());
    const accepted = await post(hookUrl('linear', source.id), fresh, {
      'linear-signature': hmacHex('linear-webhook-secret', fresh),
      'linear-delivery': 'lin-1',
    });
    expect(accepted).toMatchObject({ status: 202 });
    // Linear's retry: the same delivery id with a webhookTimestamp signed afresh is a duplicate, while a
    // different change under that id is a conflict.
    const retried = payload(clock.getTime() + 1000);
    expect(
      await post(hookUrl('linear', source.id), retried, {
        'linear-signature': hmacHex('linear-webhook-secret', retried),
        'linear-delivery': 'lin-1',
      }),
    ).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: accepted.body.eventId } });
    const changed = fresh.replace('"action":"create"', '"action":"update"');
    expect(
      await post(hookUrl('linear', source.id), changed, {
        'linear-signature': hmacHex('linear-webhook-secret', changed),
        'linear-delivery': 'lin-1',
      }),
    ).toMatchObject({ status: 409, body: { code: 'delivery_conflict' } });
    const old = payload(clock.getTime() - 61_000);
    expect(
      await post(hookUrl('linear', source.id), old, {
        'linear-signature': hmacHex('linear-webhook-secret', old),
        'linear-delivery': 'lin-2',
      }),
    ).toMatchObject({
      status: 401,
      body: { code: 'timestamp_out_of_range' },
    });
  });

  it('Standard Webhooks: whsec secret, several signatures, 5-minute window', async () => {
    const { source, secret } = await createSource(deps, { provider: 'standard', name: 'billing' });
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const body = JSON.stringify({ type: 'invoice.paid', timestamp: clock.toISOString(), data: { id: 'inv_1' } });
    const signed = (id: string, timestamp: number) => ({
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${Buffer.from('not it').toString('base64')} v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`,
    });
    expect(await post(hookUrl('standard', source.id), body, signed('msg_1', seconds()))).toMatchObject({
      status: 202,
      body: { deliveryId: 'msg_1' },
    });
    expect(await post(hookUrl('standard', source.id), body, signed('msg_2', seconds() - 301))).toMatchObject({
      status: 401,
      body: { code: 'timestamp_out_of_range' },
    });
  });
});

describe('sources', () => {
  it('keep accepting the previous secret after a rotation until it expires, and count which one matched', async () => {
    const { source, secret: oldSecret } = await createSource(deps, { provider: 'gitlab', name: 'rotating' });
    const { secret: newSecret } = await rotateSourceSecret(deps, source.id, { previousSecretTtlSeconds: 600 });
    let n = 0;
    const send = (token: string) =>
      post(hookUrl('gitlab', source.id), JSON.stringify({ object_kind: 'push', n: ++n }), {
        'x-gitlab-token': token,
        'idempotency-key': `rot-${n}`,
      });

    expect((await send(newSecret)).status).toBe(202);
    const viaOld = await send(oldSecret);
    expect(viaOld.status).toBe(202);
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: viaOld.body.eventId as string } });
    const oldSecretId = (
      await prisma.sourceSecret.findFirstOrThrow({ where: { sourceId: source.id, expiresAt: { not: null } } })
    ).id;
    expect(row.matchedSecretId).toBe(oldSecretId);
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`webhook_secret_matches_total\\{[^}]*source="${source.name}"[^}]*secret="previous"[^}]*\\} 1`),
    );

    const saved = clock;
    clock = new Date(Date.now() + 700_000);
    try {
      expect(await send(oldSecret)).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
      expect((await send(newSecret)).status).toBe(202);
    } finally {
      clock = saved;
    }
  });

  it('refuse unknown, mismatched and disabled sources', async () => {
    const { source, secret } = await createSource(deps, { provider: 'gitlab', name: 'to-disable' });
    const body = JSON.stringify({ object_kind: 'push' });
    const headers = { 'x-gitlab-token': secret, 'idempotency-key': 'dis-1' };
    expect((await post(hookUrl('gitlab', '00000000-0000-4000-8000-000000000000'), body, headers)).body.code).toBe(
      'source_not_found',
    );
    expect((await post(hookUrl('github', source.id), body, headers)).body.code).toBe('source_not_found');
    expect((await post(hookUrl('bitbucket', source.id), body, headers)).body.code).toBe('unknown_provider');
    expect((await post(hookUrl('constructor', source.id), body, headers)).body.code).toBe('unknown_provider');
    await updateSource(deps, source.id, { enabled: false });
    expect(await post(hookUrl('gitlab', source.id), body, headers)).toMatchObject({
      status: 403,
      body: { code: 'source_disabled' },
    });
  });

  it('enforce an IP allowlist, the provider user agent and a lower body limit', async () => {
    const { source, secret } = await createSource(deps, {
      provider: 'gitlab',
      name: 'locked-down',
      settings: { ipAllowlist: ['10.20.30.0/24'], requireProviderUserAgent: true, maxBodyBytes: 1024 },
    });
    const body = JSON.stringify({ object_kind: 'push' });
    const headers = { 'x-gitlab-token': secret, 'idempotency-key': 'lock-1', 'user-agent': 'GitLab/17.0' };
    expect(await post(hookUrl('gitlab', source.id), body, headers)).toMatchObject({
      status: 403,
      body: { code: 'ip_not_allowed' },
    });

    await updateSource(deps, source.id, {
      settings: {
        ipAllowlist: ['127.0.0.0/8', '::1/128'],
        requireProviderUserAgent: true,
        maxBodyBytes: 1024,
      },
    });
    expect(await post(hookUrl('gitlab', source.id), body, { ...headers, 'user-agent': 'curl/8' })).toMatchObject({
      status: 403,
      body: { code: 'invalid_user_agent' },
    });
    const big = JSON.stringify({ object_kind: 'push', pad: 'x'.repeat(2000) });
    expect(await post(hookUrl('gitlab', source.id), big, headers)).toMatchObject({
      status: 413,
      body: { code: 'payload_too_large' },
    });
    expect((await post(hookUrl('gitlab', source.id), body, headers)).status).toBe(202);
  });
});

describe('payload validation', () => {
  it('records a verdict by default and refuses invalid payloads with their paths when enforced', async () => {
    const rules = {
      push: { type: 'object', required: ['ref'], properties: { ref: { type: 'string', pattern: '^refs/heads/' } } },
    };
    const { source, secret } = await createSource(deps, {
      provider: 'gitlab',
      name: 'validated',
      settings: { validationRules: rules },
    });
    const send = (payload: object, key: string) =>
      post(hookUrl('gitlab', source.id), JSON.stringify(payload), { 'x-gitlab-token': secret, 'idempotency-key': key });

    const recorded = await send({ object_kind: 'push', ref: 'refs/tags/v1' }, 'val-1');
    expect(recorded.status).toBe(202);
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: recorded.body.eventId as string } });
    expect(row.validation).toMatchObject({ valid: false });

    await updateSource(deps, source.id, { settings: { validationRules: rules, validation: 'enforce' } });
    const refused = await send({ object_kind: 'push', ref: 'refs/tags/v2' }, 'val-2');
    expect(refused).toMatchObject({ status: 400, body: { code: 'payload_validation_failed' } });
    expect(JSON.stringify(refused.body.details)).toContain('/ref');
    expect((await send({ object_kind: 'push', ref: 'refs/heads/main' }, 'val-3')).status).toBe(202);
  });
});

describe('rate limits', () => {
  it('one per-address limit across two ingress instances sharing Redis, whatever X-Forwarded-For says', async () => {
    const prefix = `${environment.env.QUEUE_PREFIX}-rl`;
    const a = await start({
      QUEUE_PREFIX: prefix,
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '6',
      GITHUB_WEBHOOK_SECRET: 'rl-secret',
    });
    const b = await start({
      QUEUE_PREFIX: prefix,
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '6',
      GITHUB_WEBHOOK_SECRET: 'rl-secret',
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const target = i % 2 === 0 ? a : b;
        const body = JSON.stringify({ zen: `n${i}` });
        const answer = await post(`${target.url}/webhooks/github`, body, {
          'x-forwarded-for': `203.0.113.${i}`,
          'x-github-event': 'ping',
          'x-github-delivery': `rl-${i}`,
          'x-hub-signature-256': `sha256=${hmacHex('rl-secret', body)}`,
        });
        statuses.push(answer.status);
        if (answer.status === 429) {
          expect(answer.body.code).toBe('rate_limited');
          expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(answer.headers.get('ratelimit-policy')).toContain('"ip"');
        }
      }
      expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429, 429]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('trusts X-Forwarded-For only through the configured proxy hops', async () => {
    const prefix = `${environment.env.QUEUE_PREFIX}-xff`;
    const proxied = await start({
      QUEUE_PREFIX: prefix,
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '2',
      TRUST_PROXY: '1',
      GITHUB_WEBHOOK_SECRET: 'rl-secret',
    });
    try {
      const send = (client: string, i: number) => {
        const body = JSON.stringify({ zen: `x${i}` });
        return post(`${proxied.url}/webhooks/github`, body, {
          'x-forwarded-for': client,
          'x-github-event': 'ping',
          'x-github-delivery': `xff-${i}`,
          'x-hub-signature-256': `sha256=${hmacHex('rl-secret', body)}`,
        });
      };
      // Behind one trusted proxy, each client address has its own bucket.
      const statuses = [
        await send('198.51.100.1', 1),
        await send('198.51.100.1', 2),
        await send('198.51.100.1', 3),
        await send('198.51.100.2', 4),
      ].map((a) => a.status);
      expect(statuses).toEqual([202, 202, 429, 202]);
    } finally {
      await proxied.stop();
    }
  });
});

describe("the built-in GitHub source limited to GitHub's hook ranges", () => {
  it('waits for the ranges on its first delivery instead of refusing it, and refuses addresses outside them', async () => {
    const { createServer } = await import('node:http');
    let hooks = ['127.0.0.0/8', '::1/128'];
    const meta = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hooks })),
    );
    await new Promise<void>((resolve) => meta.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(meta.address() as { port: number }).port}`;
    const send = async (target: RunningIngress, id: string) => {
      const body = JSON.stringify({ zen: id });
      return post(`${target.url}/webhooks/github`, body, {
        'x-github-event': 'ping',
        'x-github-delivery': id,
        'x-hub-signature-256': `sha256=${hmacHex('ranges-secret', body)}`,
      });
    };
    const prefix = `${environment.env.QUEUE_PREFIX}-meta`;
    const common = {
      GITHUB_WEBHOOK_SECRET: 'ranges-secret',
      WEBHOOK_ENABLE_IP_WHITELIST: 'true',
      GITHUB_API_URL: apiUrl,
    };
    const inside = await start({ ...common, QUEUE_PREFIX: `${prefix}-a` });
    try {
      expect((await send(inside, 'meta-1')).status).toBe(202);
    } finally {
      await inside.stop();
    }
    hooks = ['192.30.252.0/22'];
    const outside = await start({ ...common, QUEUE_PREFIX: `${prefix}-b` });
    try {
      expect(await send(outside, 'meta-2')).toMatchObject({ status: 403, body: { code: 'ip_not_allowed' } });
    } finally {
      await outside.stop();
      meta.close();
    }
  });
});
