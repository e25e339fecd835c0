// The admin API's rate limit against real Redis: one count per caller shared by every admin replica, the
// burst window, callers told apart by token (and by address without a valid one), the probes left out, the
// limit configurable and off at 0, and a Redis outage that lets requests through instead of failing them.
import { startTcpProxy } from '@hookfleet/devkit';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import type { RunningAdmin } from './admin.js';
import { createTokenStore } from './auth.js';
import { SESSION_COOKIE, createSessionStore } from './sessions.js';

const ADMIN_TOKEN = 'admin-rate-limit-test-token-0123456789';
const PER_MINUTE = 10;
const environment = useTestEnvironment();
/** Two replicas of one deployment: the same Redis and key prefix. */
let replicas: [RunningAdmin, RunningAdmin];

beforeAll(async () => {
  const limit = { ADMIN_RATE_LIMIT_PER_MINUTE: String(PER_MINUTE), ADMIN_RATE_LIMIT_BURST: '0' };
  replicas = [
    environment.stopAtEnd(await startTestAdmin(environment.env, ADMIN_TOKEN, limit)),
    environment.stopAtEnd(await startTestAdmin(environment.env, ADMIN_TOKEN, limit)),
  ];
}, 60_000);

/** A fresh viewer token: a caller with a count of its own (issued beside the API, which would count the issuer). */
async function issueToken(): Promise<string> {
  const issued = await createTokenStore(environment.prisma).issue({
    name: `caller-${Math.random().toString(36).slice(2)}`,
    role: 'viewer',
    createdBy: 'rate-limit test',
  });
  return issued.token;
}

async function get(admin: RunningAdmin, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${admin.url}${path}`, { headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text,
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** `count` calls in turn, alternating between the replicas; their statuses in order. */
async function statusesOf(count: number, headers: Record<string, string>, path = '/api/v1/events?limit=1') {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await get(replicas[i % 2]!, path, headers)).status);
  return statuses;
}

describe('the rate limit', () => {
  it('is one count per token across both replicas: the request after the limit is refused on either', async () => {
    const token = await issueToken();
    const statuses = await statusesOf(PER_MINUTE, bearer(token));
    expect(statuses).toEqual(Array(PER_MINUTE).fill(200));
    for (const replica of replicas) {
      const refused = await get(replica, '/api/v1/events', bearer(token));
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'rate_limited', status_code: 429, path: '/api/v1/events' });
      expect(refused.body).toHaveProperty('correlation_id');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit')).toMatch(/"api-minute"; r=0; t=\d+/);
      expect(refused.headers.get('ratelimit-policy')).toContain(`"api-minute"; q=${PER_MINUTE}; w=60`);
    }
  });

  it('counts each token on its own: another token is served while one is refused', async () => {
    const spent = await issueToken();
    const fresh = await issueToken();
    await statusesOf(PER_MINUTE, bearer(spent));
    expect((await get(replicas[1], '/api/v1/events', bearer(spent))).status).toBe(429);
    const other = await get(replicas[1], '/api/v1/events', bearer(fresh));
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toContain(`"api-minute"; r=${PER_MINUTE - 1};`);
  });

  it('counts a browser session as the token it was opened with', async () => {
    const token = await issueToken();
    const tokens = createTokenStore(environment.prisma);
    const sessions = createSessionStore({ redis: environment.redis, prefix: environment.env.QUEUE_PREFIX, tokens });
    const session = await sessions.create((await tokens.resolve(token))!);
    const cookie = { cookie: `${SESSION_COOKIE}=${session}` };
    await statusesOf(PER_MINUTE - 1, bearer(token));
    expect((await get(replicas[0], '/api/v1/events', cookie)).status).toBe(200);
    expect((await get(replicas[1], '/api/v1/events', cookie)).body).toMatchObject({ code: 'rate_limited' });
    expect((await get(replicas[1], '/api/v1/events', bearer(token))).status).toBe(429);
  });

  it('counts requests without a valid token against their address, so made-up tokens open no fresh count', async () => {
    // Unauthenticated, then with tokens nobody issued: one address, one count.
    const anonymous = await statusesOf(PER_MINUTE / 2, {});
    const madeUp = await statusesOf(PER_MINUTE / 2, bearer(`hf_made-up-${Math.random()}`));
    expect([...anonymous, ...madeUp]).toEqual(Array(PER_MINUTE).fill(401));
    expect((await get(replicas[0], '/api/v1/events', bearer(`hf_another-${Math.random()}`))).status).toBe(429);
    expect((await get(replicas[1], '/api/v1/events')).body).toMatchObject({ code: 'rate_limited' });
    // The sign-in form is an admin route too; the address is spent.
    expect((await get(replicas[0], '/admin/login')).status).toBe(429);
    // A token holder at the same address has a count of its own.
    expect((await get(replicas[0], '/api/v1/events', bearer(await issueToken()))).status).toBe(200);
    // A signed callback carries finished work and is not counted: it meets its own answer (404 here, where
    // no MAS callback secret is configured), not the spent address's 429.
    const callback = await fetch(`${replicas[0].url}/api/v1/mas/callback`, { method: 'POST', body: '{}' });
    expect(callback.status).toBe(404);
    expect(callback.headers.get('ratelimit')).toBeNull();
  });

  it('leaves the health and metrics probes out', async () => {
    // This address's own count is spent (above); the probes still answer, with no RateLimit headers.
    expect((await get(replicas[0], '/api/v1/events')).status).toBe(429);
    for (const path of ['/health/live', '/health/ready', '/health', '/metrics']) {
      const probe = await get(replicas[0], path);
      expect(probe.status, path).toBe(200);
      expect(probe.headers.get('ratelimit'), path).toBeNull();
    }
  });
});

describe('the OpenAPI document', () => {
  it('says every route may answer 429, with the headers to read', async () => {
    const response = await fetch(`${replicas[0].url}/api/v1/openapi.json`, { headers: bearer(await issueToken()) });
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; 'x-required-role': string }>>;
      components: { responses: { RateLimited: { headers: Record<string, unknown> } } };
    };
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThan(25);
    for (const operation of operations) {
      if (operation['x-required-role'] === 'signature') expect(operation.responses['429']).toBeUndefined();
      else expect(operation.responses['429']).toEqual({ $ref: '#/components/responses/RateLimited' });
    }
    expect(Object.keys(document.components.responses.RateLimited.headers)).toEqual(
      expect.arrayContaining(['Retry-After', 'RateLimit', 'RateLimit-Policy']),
    );
  });
});

describe('the burst window', () => {
  it('refuses the request after the burst, before the per-minute limit is reached', async () => {
    // 6 at once of 12 a minute: the burst window is the 30 s the rate takes to earn 6.
    const admin = environment.stopAtEnd(
      await startTestAdmin(environment.env, ADMIN_TOKEN, {
        ADMIN_RATE_LIMIT_PER_MINUTE: '12',
        ADMIN_RATE_LIMIT_BURST: '6',
      }),
    );
    const token = await issueToken();
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await get(admin, '/api/v1/events?limit=1', bearer(token)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 429]);
    const first = answers[0]!.headers;
    expect(first.get('ratelimit-policy')).toMatch(/"api-burst"; q=6; w=30;.*"api-minute"; q=12; w=60/);
    expect(first.get('ratelimit')).toMatch(/"api-burst"; r=5; t=\d+, "api-minute"; r=11; t=\d+/);
    const refused = answers[6]!;
    expect(refused.body).toMatchObject({ code: 'rate_limited' });
    expect(String((refused.body as { error: string }).error)).toContain('6 per 30 s');
  });
});

describe('configuration', () => {
  it('turns the limit off at 0: no count, no headers, no refusal', async () => {
    const admin = environment.stopAtEnd(
      await startTestAdmin(environment.env, ADMIN_TOKEN, { ADMIN_RATE_LIMIT_PER_MINUTE: '0' }),
    );
    const token = await issueToken();
    const answers = [];
    for (let i = 0; i < 3 * PER_MINUTE; i++) answers.push(await get(admin, '/api/v1/events?limit=1', bearer(token)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.every((answer) => answer.headers.get('ratelimit') === null)).toBe(true);
  });
});

describe('a Redis outage', () => {
  it('lets requests through unlimited while Redis is away or silent, and counts again once it is back', async () => {
    const redisPort = Number(new URL(environment.env.REDIS_URL).port || 6379);
    const proxy = await startTcpProxy({ port: redisPort });
    const through = new URL(environment.env.REDIS_URL);
    through.host = `127.0.0.1:${proxy.port}`;
    const admin = await startTestAdmin(environment.env, ADMIN_TOKEN, {
      REDIS_URL: through.toString(),
      ADMIN_RATE_LIMIT_PER_MINUTE: '3',
      ADMIN_RATE_LIMIT_BURST: '0',
    });
    try {
      const token = await issueToken();
      const countsAgain = () =>
        expect
          .poll(async () => (await get(admin, '/api/v1/events', bearer(token))).headers.get('ratelimit'), {
            timeout: 20_000,
            interval: 200,
          })
          .toMatch(/"api-minute"; r=\d+;/);
      const counted = await get(admin, '/api/v1/events', bearer(token));
      expect(counted.status).toBe(200);
      expect(counted.headers.get('ratelimit')).toContain('"api-minute"; r=2;');

      await proxy.cut();
      // More than the limit, each served from Postgres: the limiter cannot count and steps aside.
      for (let i = 0; i < 5; i++) {
        const during = await get(admin, '/api/v1/events', bearer(token));
        expect(during.status).toBe(200);
        expect(during.headers.get('ratelimit')).toBeNull();
      }

      // A Redis that keeps the connection open and answers nothing: the count times out, the request passes.
      await proxy.restore();
      await countsAgain();
      proxy.stall();
      for (let i = 0; i < 5; i++) {
        const silent = await fetch(`${admin.url}/api/v1/events`, {
          headers: bearer(token),
          signal: AbortSignal.timeout(15_000),
        });
        expect(silent.status).toBe(200);
        expect(silent.headers.get('ratelimit')).toBeNull();
      }

      await proxy.restore();
      await countsAgain();
    } finally {
      await proxy.restore();
      await admin.stop();
      await proxy.close();
    }
  }, 60_000);
});
