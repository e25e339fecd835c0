// The wall under fire: hundreds of generated malformed requests (headers, bodies, encodings, sizes,
// nesting, signatures, timestamps) against a running ingress. None may get a 5xx, crash it, or write a
// row or a job; the prototype canary must stay untouched.
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { parseConfig } from '@hookfleet/config';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createSecretBox, createSource } from '@hookfleet/sources';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ingressConfigSchema } from './config.js';
import { startIngress, type RunningIngress } from './ingress.js';

const GITHUB_SECRET = 'fuzz-github-secret';
const SLACK_SECRET = 'fuzz-slack-secret';
const LINEAR_SECRET = 'fuzz-linear-secret';
const MAX_BODY_BYTES = 64 * 1024;
const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');
const REQUESTS_PER_GENERATOR = 40;

let environment: TestEnvironment;
let prisma: PrismaClient;
let redis: Redis;
let ingress: RunningIngress;
const sourceIds: Record<'slack' | 'linear' | 'standard' | 'gitlab', string> = {
  slack: '',
  linear: '',
  standard: '',
  gitlab: '',
};
let standardSecret = '';
let gitlabToken = '';

beforeAll(async () => {
  environment = await testEnvironment();
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 2 });
  redis = new Redis(environment.env.REDIS_URL);
  const deps = { prisma, box: createSecretBox(SOURCE_SECRETS_KEY) };
  sourceIds.slack = (await createSource(deps, { provider: 'slack', name: 'fuzz', secret: SLACK_SECRET })).source.id;
  sourceIds.linear = (await createSource(deps, { provider: 'linear', name: 'fuzz', secret: LINEAR_SECRET })).source.id;
  const standard = await createSource(deps, { provider: 'standard', name: 'fuzz' });
  sourceIds.standard = standard.source.id;
  standardSecret = standard.secret;
  const gitlab = await createSource(deps, { provider: 'gitlab', name: 'fuzz' });
  sourceIds.gitlab = gitlab.source.id;
  gitlabToken = gitlab.secret;
  ingress = await startIngress(
    parseConfig(ingressConfigSchema, {
      ...environment.env,
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
      SOURCE_SECRETS_KEY,
      WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: '0',
    }),
  );
});

afterAll(async () => {
  await ingress?.stop();
  redis?.disconnect();
  await prisma?.$disconnect();
  await environment?.cleanup();
});

/** mulberry32: a seeded generator, so a failure can be replayed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    bytes: (length: number) => Buffer.from(Array.from({ length }, () => Math.floor(next() * 256))),
  };
}

type Headers = Record<string, string | string[]>;
interface FuzzRequest {
  kind: string;
  path: string;
  headers: Headers;
  body: Buffer;
}

const hmacHex = (secret: string | Buffer, data: string | Buffer) =>
  createHmac('sha256', secret).update(data).digest('hex');
const githubSignature = (body: Buffer | string) => `sha256=${hmacHex(GITHUB_SECRET, body)}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function githubHeaders(body: Buffer, extra: Headers = {}): Headers {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': randomBytes(8).toString('hex'),
    'x-hub-signature-256': githubSignature(body),
    ...extra,
  };
}

function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];
const POLLUTERS = [
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":{"__proto__":{"isAdmin":true}}}',
  '{"repository":{"constructor":{"prototype":{"polluted":1}}}}',
];

const generators: Array<(random: ReturnType<typeof prng>) => FuzzRequest> = [
  // Random bytes, correctly signed.
  (random) => {
    const body = random.bytes(1 + random.int(2048));
    return { kind: 'random-bytes', path: '/webhooks/github', headers: githubHeaders(body), body };
  },
  // A valid payload with a broken signature.
  (random) => {
    const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', n: random.int(1e9) }));
    const good = githubSignature(body);
    const signature = random.pick([
      '',
      'sha256=',
      good.slice(0, -1),
      good.toUpperCase(),
      `sha1=${hmacHex(GITHUB_SECRET, body).slice(0, 40)}`,
      `sha256=${'g'.repeat(64)}`,
      `sha256=${hmacHex('wrong', body)}`,
      good.replace('sha256=', 'sha512='),
      `sha256=${randomBytes(32).toString('hex')}`,
    ]);
    return {
      kind: 'bad-signature',
      path: '/webhooks/github',
      headers: githubHeaders(body, { 'x-hub-signature-256': signature }),
      body,
    };
  },
  // Required headers missing or duplicated.
  (random) => {
    const body = Buffer.from(JSON.stringify({ zen: random.int(1e9) }));
    const headers = githubHeaders(body);
    const variant = random.int(4);
    if (variant === 0) delete headers['x-github-event'];
    if (variant === 1) delete headers['x-github-delivery'];
    if (variant === 2) headers['x-github-delivery'] = ['d-1', 'd-2'];
    if (variant === 3) headers['x-hub-signature-256'] = [githubSignature(body), githubSignature(body)];
    return { kind: 'headers', path: '/webhooks/github', headers, body };
  },
  // Content types the ingress does not take.
  (random) => {
    const body = Buffer.from(JSON.stringify({ zen: random.int(1e9) }));
    const type = random.pick([
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'image/png',
      'application/jsonx',
      'text/json',
    ]);
    return {
      kind: 'content-type',
      path: '/webhooks/github',
      headers: githubHeaders(body, { 'content-type': type }),
      body,
    };
  },
  // Nesting past the limit, signed.
  (random) => {
    const body = Buffer.from(nested(65 + random.int(5000)));
    return { kind: 'nesting', path: '/webhooks/github', headers: githubHeaders(body), body };
  },
  // Prototype-pollution keys, signed.
  (random) => {
    const body = Buffer.from(random.pick(POLLUTERS));
    return { kind: 'prototype', path: '/webhooks/github', headers: githubHeaders(body), body };
  },
  // Invalid UTF-8 inside otherwise plausible JSON, signed.
  (random) => {
    const body = Buffer.concat([Buffer.from('{"title":"'), random.pick(INVALID_UTF8), Buffer.from('"}')]);
    return { kind: 'utf8', path: '/webhooks/github', headers: githubHeaders(body), body };
  },
  // Over the size limit, signed or not.
  (random) => {
    const body = Buffer.alloc(MAX_BODY_BYTES + 1 + random.int(MAX_BODY_BYTES), 0x20);
    return { kind: 'size', path: '/webhooks/github', headers: githubHeaders(body), body };
  },
  // JSON that is not an object, and empty bodies, signed.
  (random) => {
    const body = Buffer.from(
      random.pick(['', '[]', '[1,2]', 'null', '42', '"str"', 'true', '{', '{"a":}', '{"a":1,}', "{'a':1}"]),
    );
    return { kind: 'not-an-object', path: '/webhooks/github', headers: githubHeaders(body), body };
  },
  // Form bodies without a usable payload field, signed.
  (random) => {
    const body = Buffer.from(
      random.pick([
        'zen=1',
        'payload=',
        'payload=%7B',
        `payload=${encodeURIComponent('[1]')}`,
        'payload=1&payload=2',
        '%%%',
      ]),
    );
    return {
      kind: 'form',
      path: '/webhooks/github',
      headers: githubHeaders(body, { 'content-type': 'application/x-www-form-urlencoded' }),
      body,
    };
  },
  // Unknown providers and sources, hostile path segments.
  (random) => {
    const body = Buffer.from('{}');
    const path = random.pick([
      `/webhooks/bitbucket/${sourceIds.gitlab}`,
      '/webhooks/gitlab/not-a-uuid',
      "/webhooks/gitlab/1'%20OR%201=1--",
      '/webhooks/__proto__/x',
      '/webhooks/constructor/00000000-0000-4000-8000-000000000000',
      `/webhooks/slack/${sourceIds.gitlab}`,
      '/webhooks/gitlab/00000000-0000-4000-8000-000000000000',
    ]);
    return {
      kind: 'routing',
      path,
      headers: { 'content-type': 'application/json', 'x-gitlab-token': gitlabToken },
      body,
    };
  },
  // Slack: stale, future, malformed or missing timestamps; bad signatures.
  (random) => {
    const body = Buffer.from(
      JSON.stringify({
        type: 'event_callback',
        event_id: `Ev${random.int(1e9)}`,
        team_id: 'T1',
        event: { type: 'message' },
      }),
    );
    const offset = random.pick([-301, -3600, 301, 86_400, -1e9]);
    const timestamp = random.pick([String(nowSeconds() + offset), 'abc', '', '1e3', String(nowSeconds()) + '.5']);
    const validSignature = `v0=${hmacHex(SLACK_SECRET, `v0:${timestamp}:${body.toString()}`)}`;
    const signature = random.pick([validSignature, 'v0=', `v1=${hmacHex(SLACK_SECRET, body)}`]);
    return {
      kind: 'slack',
      path: `/webhooks/slack/${sourceIds.slack}`,
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      },
      body,
    };
  },
  // Linear: missing or stale webhookTimestamp, bad signatures.
  (random) => {
    const timestamp = random.pick([undefined, Date.now() - 61_000, Date.now() + 61_000, 'soon', null]);
    const body = Buffer.from(
      JSON.stringify({ type: 'Issue', action: 'create', webhookTimestamp: timestamp, data: { id: 'x' } }),
    );
    const signature = random.pick([hmacHex(LINEAR_SECRET, body), hmacHex('nope', body), '', 'zz']);
    return {
      kind: 'linear',
      path: `/webhooks/linear/${sourceIds.linear}`,
      headers: {
        'content-type': 'application/json',
        'linear-signature': signature,
        'linear-delivery': `lin-${random.int(1e9)}`,
      },
      body,
    };
  },
  // Standard Webhooks: timestamps out of range, malformed signature lists, missing ids.
  (random) => {
    const body = Buffer.from(JSON.stringify({ type: 'x.y', data: {} }));
    const id = random.pick([`msg_${random.int(1e9)}`, '']);
    const timestamp = random.pick([nowSeconds() - 301, nowSeconds() + 301, 0]);
    const key = Buffer.from(standardSecret.slice('whsec_'.length), 'base64');
    const good = createHmac('sha256', key).update(`${id}.${timestamp}.${body.toString()}`).digest('base64');
    const signature = random.pick([`v1,${good}`, `v1,${good.slice(1)}`, 'v1,', `v2,${good}`, ',,, ', `v1a,${good}`]);
    return {
      kind: 'standard',
      path: `/webhooks/standard/${sourceIds.standard}`,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body,
    };
  },
  // GitLab: wrong, empty, duplicated tokens; missing dedupe keys.
  (random) => {
    const body = Buffer.from(JSON.stringify({ object_kind: 'push', n: random.int(1e9) }));
    const variant = random.int(4);
    const headers: Headers = {
      'content-type': 'application/json',
      'x-gitlab-token': gitlabToken,
      'idempotency-key': `gl-${random.int(1e9)}`,
    };
    if (variant === 0) headers['x-gitlab-token'] = gitlabToken.slice(1);
    if (variant === 1) headers['x-gitlab-token'] = '';
    if (variant === 2) headers['x-gitlab-token'] = [gitlabToken, gitlabToken];
    if (variant === 3) delete headers['idempotency-key'];
    return { kind: 'gitlab', path: `/webhooks/gitlab/${sourceIds.gitlab}`, headers, body };
  },
];

function send(fuzz: FuzzRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(ingress.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: fuzz.path,
        headers: { ...fuzz.headers, 'content-length': String(fuzz.body.length) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    // The server may answer 413 and close before the body is sent in full.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(413) : reject(error),
    );
    req.end(fuzz.body);
  });
}

async function writes(): Promise<{ rows: number; jobs: number }> {
  const keys = await redis.keys(`${environment.env.QUEUE_PREFIX}:*`);
  return {
    rows: await prisma.webhookEvent.count(),
    jobs: keys.filter((key) => !key.endsWith(':meta') && !key.includes(':ratelimit:')).length,
  };
}

it('refuses every malformed request with a 4xx, writes nothing, and stays up', { timeout: 300_000 }, async () => {
  const random = prng(20261122);
  const before = await writes();
  const byKind = new Map<string, Map<number, number>>();
  let tried = 0;
  for (let round = 0; round < REQUESTS_PER_GENERATOR; round++) {
    for (const generate of generators) {
      const fuzz = generate(random);
      const status = await send(fuzz);
      tried++;
      const counts = byKind.get(fuzz.kind) ?? new Map<number, number>();
      counts.set(status, (counts.get(status) ?? 0) + 1);
      byKind.set(fuzz.kind, counts);
      expect(status, `${fuzz.kind} #${tried}: ${fuzz.path}`).toBeGreaterThanOrEqual(400);
      expect(status, `${fuzz.kind} #${tried}: ${fuzz.path}`).toBeLessThan(500);
    }
  }
  expect(await writes()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  expect((await fetch(`${ingress.url}/health/live`)).status).toBe(200);
  const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
  expect(metrics).not.toMatch(/status_code="5\d\d"/);

  expect(tried).toBeGreaterThanOrEqual(500);
  const summary = [...byKind].map(
    ([kind, counts]) => `${kind} ${[...counts].map(([status, count]) => `${status}x${count}`).join(',')}`,
  );
  console.log(`bad-input suite: ${tried} malformed requests tried, 0 answered 5xx\n  ${summary.join('\n  ')}`);
});
