import { parseConfig } from '@hookfleet/config';
import type { PrismaClient } from '@hookfleet/db';
import { signGithubBody, startTcpProxy } from '@hookfleet/devkit';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestIngress } from '../test-support/start-test-ingress.js';
import { ingressConfigSchema } from './config.js';
import { startIngress, type RunningIngress } from './ingress.js';

const SECRET = 'ingress-test-secret';
const MAX_BODY_BYTES = 64 * 1024;

const environment = useTestEnvironment();
let ingress: RunningIngress;
let prisma: PrismaClient;
let redis: Redis;

beforeAll(async () => {
  ingress = environment.stopAtEnd(
    await startTestIngress(environment.env, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    }),
  );
  prisma = environment.prisma;
  redis = environment.redis;
});

let counter = 0;
function githubHeaders(body: string | Buffer, overrides: Record<string, string | undefined> = {}) {
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-github-event': 'ping',
    'x-github-delivery': `delivery-${++counter}`,
    'x-github-hook-id': '99',
    'x-hub-signature-256': signGithubBody(SECRET, body),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
}

async function post(body: string | Buffer, headers: Record<string, string>) {
  const response = await fetch(`${ingress.url}/webhooks/github`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Rows and BullMQ job keys written (each queue's `meta` key exists from start-up on; rate-limit counters are not writes of a delivery). */
async function writes(): Promise<{ rows: number; redisKeys: number }> {
  const keys = await redis.keys(`${environment.env.QUEUE_PREFIX}:*`);
  return {
    rows: await prisma.webhookEvent.count(),
    redisKeys: keys.filter((key) => !key.endsWith(':meta') && !key.includes(':ratelimit:')).length,
  };
}

describe('the ingress rejects bad requests with a clear 4xx and writes nothing', () => {
  it('a body that claims gzip but is not', async () => {
    const before = await writes();
    const body = JSON.stringify({ zen: 'not gzip' });
    const answer = await post(body, githubHeaders(body, { 'content-encoding': 'gzip' }));
    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_content_encoding' } });
    expect(await writes()).toEqual(before);
  });

  const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 99 });

  it.each([
    [
      'a missing signature',
      () => post(ping, githubHeaders(ping, { 'x-hub-signature-256': undefined })),
      401,
      'missing_signature',
    ],
    [
      'a signature by another secret',
      () => post(ping, githubHeaders(ping, { 'x-hub-signature-256': signGithubBody('nope', ping) })),
      401,
      'invalid_signature',
    ],
    [
      'a sha1 signature only',
      () => post(ping, githubHeaders(ping, { 'x-hub-signature-256': undefined, 'x-hub-signature': 'sha1=0000' })),
      401,
      'missing_signature',
    ],
    [
      'a missing X-GitHub-Event',
      () => post(ping, githubHeaders(ping, { 'x-github-event': undefined })),
      400,
      'missing_headers',
    ],
    [
      'a missing X-GitHub-Delivery',
      () => post(ping, githubHeaders(ping, { 'x-github-delivery': undefined })),
      400,
      'missing_headers',
    ],
    [
      'an unsupported content type',
      () => post(ping, githubHeaders(ping, { 'content-type': 'text/plain' })),
      415,
      'unsupported_content_type',
    ],
    [
      'no content type',
      () => post(ping, githubHeaders(ping, { 'content-type': undefined })),
      415,
      'unsupported_content_type',
    ],
    ['an empty body', () => post('', githubHeaders('')), 400, 'empty_body'],
    ['signed invalid JSON', () => post('{"zen":', githubHeaders('{"zen":')), 400, 'invalid_payload'],
    ['a signed JSON array', () => post('[1]', githubHeaders('[1]')), 400, 'invalid_payload'],
    [
      'signed invalid UTF-8',
      () => post(Buffer.from([0x7b, 0xff, 0x7d]), githubHeaders(Buffer.from([0x7b, 0xff, 0x7d]))),
      400,
      'invalid_encoding',
    ],
    [
      'a form body without a payload field',
      () => post('zen=1', githubHeaders('zen=1', { 'content-type': 'application/x-www-form-urlencoded' })),
      400,
      'invalid_payload',
    ],
  ])('%s', async (_name, send, status, code) => {
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ code, status_code: status, path: '/webhooks/github' });
    expect(typeof answer.body.error).toBe('string');
    expect(answer.body.correlation_id).toBeTruthy();
    expect(await writes()).toEqual({ rows: 0, redisKeys: 0 });
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ zen: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await post(big, githubHeaders(big));
    expect(declared).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    // Chunked, with no Content-Length: the limit is enforced while reading.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await fetch(`${ingress.url}/webhooks/github`, {
      method: 'POST',
      headers: githubHeaders(big),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await writes()).toEqual({ rows: 0, redisKeys: 0 });
  });

  it('counts each rejection by code in /metrics, and as a refused delivery', async () => {
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(metrics).toMatch(
      /webhook_errors_total\{provider="github",source="built-in",code="invalid_signature",service="ingress"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /webhook_errors_total\{provider="github",source="built-in",code="payload_too_large",service="ingress"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /webhook_events_total\{provider="github",source="built-in",event_type="",outcome="refused",service="ingress"\} [1-9]/,
    );
  });
});

describe('the ingress accepts', () => {
  it('a form-encoded delivery, stored like a JSON one', async () => {
    const payload = {
      zen: 'Design for failure.',
      hook_id: 99,
      repository: { full_name: 'octo/repo' },
      sender: { login: 'octocat' },
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const answer = await post(body, githubHeaders(body, { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', queue: 'default' } });
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: answer.body.eventId as string } });
    expect(row).toMatchObject({
      provider: 'github',
      eventType: 'ping',
      hookId: '99',
      repository: 'octo/repo',
      sender: 'octocat',
      status: 'queued',
    });
    expect(row.payload).toEqual(payload);
    expect(row.headers).toMatchObject({ 'x-hub-signature-256': '[redacted]', 'x-github-event': 'ping' });
  });

  it('credentials in any header stored as [redacted], whatever the sender named them', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const credentials = {
      'x-api-key': 'key-123',
      'x-auth-token': 'token-123',
      authorization: 'Bearer abc',
      cookie: 'session=abc',
      'x-client-secret': 'secret-123',
    };
    const answer = await post(body, githubHeaders(body, { ...credentials, 'x-request-id': 'req-1' }));
    expect(answer.status).toBe(202);
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: answer.body.eventId as string } });
    const stored = row.headers as Record<string, string>;
    for (const name of Object.keys(credentials)) expect(stored[name], name).toBe('[redacted]');
    expect(stored['x-request-id']).toBe('req-1');
    expect(JSON.stringify(stored)).not.toMatch(/key-123|token-123|abc|secret-123/);
  });

  it('a body with NUL and unpaired surrogate escapes: stored exactly as raw bytes, and as jsonb with U+FFFD, marked', async () => {
    const body = '{"zen":"nul \\u0000 here","title":"half \\ud800 pair","ok":"rocket \\ud83d\\ude80","k\\u0000ey":1}';
    const answer = await post(body, githubHeaders(body));
    expect(answer.status).toBe(202);
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: answer.body.eventId as string } });
    expect(row.payloadSanitized).toBe(true);
    expect(row.payload).toEqual({
      zen: 'nul \uFFFD here',
      title: 'half \uFFFD pair',
      ok: 'rocket \u{1F680}',
      'k\uFFFDey': 1,
    });
    // The exact bytes, so the delivery can be verified again.
    expect(Buffer.from(row.rawBody!).toString('utf8')).toBe(body);
    expect(signGithubBody(SECRET, Buffer.from(row.rawBody!))).toBe(githubHeaders(body)['x-hub-signature-256']);
    const plain = await post('{"zen":"plain"}', githubHeaders('{"zen":"plain"}'));
    const plainRow = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: plain.body.eventId as string } });
    expect(plainRow.payloadSanitized).toBe(false);
  });

  it('the same delivery id under another hook as a separate delivery', async () => {
    const body = JSON.stringify({ zen: 'Approachable is better than simple.' });
    const headers = githubHeaders(body, { 'x-github-delivery': 'shared-delivery-id' });
    expect((await post(body, headers)).status).toBe(202);
    expect((await post(body, { ...headers, 'x-github-hook-id': '100' })).status).toBe(202);
    expect(await prisma.webhookEvent.count({ where: { deliveryId: 'shared-delivery-id' } })).toBe(2);
  });

  it('on every documented path', async () => {
    for (const path of ['/webhook/github', '/api/v1/webhooks/github']) {
      const body = JSON.stringify({ zen: path });
      const response = await fetch(`${ingress.url}${path}`, { method: 'POST', headers: githubHeaders(body), body });
      expect(response.status).toBe(202);
    }
  });
});

describe('health', () => {
  it('is healthy with its dependencies up, and answers 503 naming the one that is down; stores deliveries without Redis', async () => {
    const up = await fetch(`${ingress.url}/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({
      status: 'healthy',
      components: { database: { status: 'healthy' }, redis: { status: 'healthy' } },
    });

    // Nothing listens on port 1: this ingress has no Redis.
    const cut = await startIngress(
      parseConfig(ingressConfigSchema, {
        ...environment.env,
        REDIS_URL: 'redis://127.0.0.1:1',
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        GITHUB_WEBHOOK_SECRET: SECRET,
      }),
    );
    try {
      const down = await fetch(`${cut.url}/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'unhealthy',
        components: { database: { status: 'healthy' }, redis: { status: 'unhealthy' } },
      });
      expect((await fetch(`${cut.url}/health/ready`)).status).toBe(503);
      expect((await fetch(`${cut.url}/health/live`)).status).toBe(200);
      // The committed row is the outbox: the delivery is acknowledged, and stays 'received' for the reconciler.
      const body = JSON.stringify({ zen: 'no redis' });
      const response = await fetch(`${cut.url}/webhooks/github`, {
        method: 'POST',
        headers: githubHeaders(body),
        body,
      });
      expect(response.status).toBe(202);
      expect(
        await prisma.webhookEvent.findFirst({
          where: { payload: { equals: { zen: 'no redis' } } },
          select: { status: true },
        }),
      ).toEqual({ status: 'received' });
    } finally {
      await cut.stop();
    }
  });

  it('turns 503 while Postgres or Redis is cut (each behind a proxy), names it, and is 200 again after', async () => {
    const postgres = await startTcpProxy({ port: Number(new URL(environment.env.DATABASE_URL).port || 5432) });
    const redis = await startTcpProxy({ port: Number(new URL(environment.env.REDIS_URL).port || 6379) });
    const databaseUrl = new URL(environment.env.DATABASE_URL);
    databaseUrl.host = `127.0.0.1:${postgres.port}`;
    const redisUrl = new URL(environment.env.REDIS_URL);
    redisUrl.host = `127.0.0.1:${redis.port}`;
    const proxied = await startIngress(
      parseConfig(ingressConfigSchema, {
        ...environment.env,
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: redisUrl.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        GITHUB_WEBHOOK_SECRET: SECRET,
      }),
    );
    const health = async () => {
      const response = await fetch(`${proxied.url}/health`);
      const body = (await response.json()) as { status: string; components: Record<string, { status: string }> };
      return {
        code: response.status,
        status: body.status,
        database: body.components.database!.status,
        redis: body.components.redis!.status,
      };
    };
    try {
      // Healthy once the fresh connections are up.
      await expect
        .poll(health, { timeout: 5_000 })
        .toEqual({ code: 200, status: 'healthy', database: 'healthy', redis: 'healthy' });
      for (const [name, proxy] of [
        ['database', postgres],
        ['redis', redis],
      ] as const) {
        await proxy.cut();
        await expect
          .poll(health, { timeout: 10_000 })
          .toMatchObject({ code: 503, status: 'unhealthy', [name]: 'unhealthy' });
        expect((await fetch(`${proxied.url}/health/ready`)).status).toBe(503);
        await proxy.restore();
        await expect
          .poll(health, { timeout: 15_000 })
          .toEqual({ code: 200, status: 'healthy', database: 'healthy', redis: 'healthy' });
      }
    } finally {
      await proxied.stop();
      await postgres.close();
      await redis.close();
    }
  });

  it('says degraded (still 200) while a queue holds more waiting jobs than HEALTH_QUEUE_DEPTH_DEGRADED', async () => {
    const strict = await startIngress(
      parseConfig(ingressConfigSchema, {
        ...environment.env,
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        HEALTH_QUEUE_DEPTH_DEGRADED: '1',
        GITHUB_WEBHOOK_SECRET: SECRET,
      }),
    );
    try {
      // No worker runs in this file: what is queued stays waiting.
      for (const zen of ['backlog one', 'backlog two']) {
        const body = JSON.stringify({ zen });
        const sent = await fetch(`${strict.url}/webhooks/github`, {
          method: 'POST',
          headers: githubHeaders(body),
          body,
        });
        expect(sent.status).toBe(202);
      }
      const degraded = await fetch(`${strict.url}/health`);
      expect(degraded.status).toBe(200);
      expect(await degraded.json()).toMatchObject({
        status: 'degraded',
        components: { queue: { status: 'degraded', details: { backlog_above_threshold: ['default'] } } },
      });
      expect((await fetch(`${strict.url}/health/ready`)).status).toBe(200);
      // The shared ingress keeps the default threshold (1000): the same queue is healthy there.
      expect(await (await fetch(`${ingress.url}/health`)).json()).toMatchObject({
        components: { queue: { status: 'healthy' } },
      });
    } finally {
      await strict.stop();
    }
  });

  it('serves /metrics and /health on METRICS_PORT when it is set, and only the probes beside the webhooks', async () => {
    const split = await startIngress(
      parseConfig(ingressConfigSchema, {
        ...environment.env,
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        METRICS_PORT: '0',
        GITHUB_WEBHOOK_SECRET: SECRET,
      }),
    );
    try {
      expect(split.metricsUrl).not.toBe(split.url);
      const body = JSON.stringify({ zen: 'metrics port' });
      const sent = await fetch(`${split.url}/webhooks/github`, { method: 'POST', headers: githubHeaders(body), body });
      expect(sent.status).toBe(202);
      expect((await fetch(`${split.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${split.url}/health`)).status).toBe(404);
      expect((await fetch(`${split.url}/health/ready`)).status).toBe(200);
      const metrics = await (await fetch(`${split.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /webhook_events_total\{provider="github",source="built-in",event_type="ping",outcome="accepted"[^}]*\} 1/,
      );
      expect((await fetch(`${split.metricsUrl}/health`)).status).toBe(200);
      expect(
        (await fetch(`${split.metricsUrl}/webhooks/github`, { method: 'POST', headers: githubHeaders(body), body }))
          .status,
      ).toBe(404);
    } finally {
      await split.stop();
    }
  });

  it('answers 503 database_unavailable fast while Postgres is cut or silent, writes nothing half-way, and recovers', async () => {
    const proxy = await startTcpProxy({ port: Number(new URL(environment.env.DATABASE_URL).port || 5432) });
    const databaseUrl = new URL(environment.env.DATABASE_URL);
    databaseUrl.host = `127.0.0.1:${proxy.port}`;
    const behindProxy = await startIngress(
      parseConfig(ingressConfigSchema, {
        ...environment.env,
        DATABASE_URL: databaseUrl.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        WEBHOOK_STORE_TIMEOUT_MS: '1000',
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        GITHUB_WEBHOOK_SECRET: SECRET,
      }),
    );
    const send = async (zen: string) => {
      const body = JSON.stringify({ zen });
      const response = await fetch(`${behindProxy.url}/webhooks/github`, {
        method: 'POST',
        headers: githubHeaders(body),
        body,
      });
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        retryAfter: response.headers.get('retry-after'),
      };
    };
    try {
      expect((await send('before the outage')).status).toBe(202);
      for (const fault of ['cut', 'stall'] as const) {
        if (fault === 'cut') await proxy.cut();
        else proxy.stall();
        const refused = await send(`during the ${fault}`);
        expect(refused, fault).toMatchObject({ status: 503, body: { code: 'database_unavailable' }, retryAfter: '5' });
        await proxy.restore();
        // Back on its own: the same pool serves again once Postgres answers.
        await expect
          .poll(async () => (await send(`after the ${fault} ${Math.random()}`)).status, { timeout: 10_000 })
          .toBe(202);
      }
      const cutRow = await prisma.webhookEvent.count({ where: { payload: { equals: { zen: 'during the cut' } } } });
      expect(cutRow).toBe(0);
    } finally {
      await behindProxy.stop();
      await proxy.close();
    }
  });
});
