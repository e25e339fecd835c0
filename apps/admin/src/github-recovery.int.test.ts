// Missed-delivery recovery through the admin, against a local HTTP server that behaves like GitHub's REST
// API: deliveries listed newest first over two pages (Link header), one 403 rate limit with a reset to wait
// for, a redelivery request answered 404 for an expired delivery, and the App's hook behind a JWT.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdmin } from './admin.js';
import { startTestAdmin } from '../test-support/start-test-admin.js';

const TOKEN = 'github-recovery-admin-token-0123';
const GITHUB_TOKEN = 'ghp_recovery_test';
const HOOK = 'repos/octo/repo/hooks/7';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const guids = {
  failedMissing: randomUUID(),
  failedStored: randomUUID(),
  failedThenDelivered: randomUUID(),
  expired: randomUUID(),
  tooOld: randomUUID(),
  onSecondPage: randomUUID(),
  appMissing: randomUUID(),
};

/** Newest first, as GitHub lists them. */
const repoDeliveries = [
  { id: 101, guid: guids.failedMissing, delivered_at: minutesAgo(1), status_code: 502, redelivery: false },
  { id: 102, guid: guids.failedStored, delivered_at: minutesAgo(2), status_code: 503, redelivery: false },
  { id: 104, guid: guids.failedThenDelivered, delivered_at: minutesAgo(3), status_code: 200, redelivery: true },
  { id: 103, guid: guids.failedThenDelivered, delivered_at: minutesAgo(4), status_code: 500, redelivery: false },
  { id: 105, guid: guids.expired, delivered_at: minutesAgo(5), status_code: 0, redelivery: false },
  // Second page.
  { id: 106, guid: guids.onSecondPage, delivered_at: minutesAgo(6), status_code: 504, redelivery: false },
  { id: 107, guid: guids.tooOld, delivered_at: minutesAgo(60 * 8), status_code: 500, redelivery: false },
];

interface Seen {
  method: string;
  url: string;
  authorization: string;
}

let environment: TestEnvironment;
let admin: RunningAdmin;
let prisma: PrismaClient;
let github: Server;
const seen: Seen[] = [];
let rateLimited = false;

function fakeGithub(request: IncomingMessage): { status: number; body?: unknown; headers?: Record<string, string> } {
  const url = new URL(request.url ?? '/', 'http://github.test');
  const base = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  const ok = { 'x-ratelimit-remaining': '4321', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600) };
  if (request.method === 'GET' && url.pathname === `/${HOOK}/deliveries`) {
    // The first request of the run hits the rate limit; the client must wait for the reset and ask again.
    if (!rateLimited) {
      rateLimited = true;
      return {
        status: 403,
        body: { message: 'API rate limit exceeded' },
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) },
      };
    }
    const second = url.searchParams.get('cursor') === 'page-2';
    return {
      status: 200,
      body: second ? repoDeliveries.slice(5) : repoDeliveries.slice(0, 5),
      headers: second ? ok : { ...ok, link: `<${base}/${HOOK}/deliveries?per_page=100&cursor=page-2>; rel="next"` },
    };
  }
  if (request.method === 'GET' && url.pathname === '/rate_limit') {
    const core = { limit: 5000, remaining: 4321, reset: Math.ceil(Date.now() / 1000) + 3600 };
    return { status: 200, body: { resources: { core }, rate: core }, headers: ok };
  }
  const redeliver = new RegExp(`^/${HOOK}/deliveries/(\\d+)/attempts$`).exec(url.pathname);
  if (request.method === 'POST' && redeliver) {
    return Number(redeliver[1]) === 105
      ? { status: 404, body: { message: 'Not Found' } }
      : { status: 202, body: {}, headers: ok };
  }
  // The App's hook: only with the App's JWT (three base64url parts).
  const jwt = /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(request.headers.authorization ?? '');
  if (url.pathname.startsWith('/app/hook/deliveries') && !jwt)
    return { status: 401, body: { message: 'JWT required' } };
  if (request.method === 'GET' && url.pathname === '/app/hook/deliveries') {
    return {
      status: 200,
      body: [{ id: 201, guid: guids.appMissing, delivered_at: minutesAgo(1), status_code: 500, redelivery: false }],
      headers: ok,
    };
  }
  if (request.method === 'POST' && url.pathname === '/app/hook/deliveries/201/attempts')
    return { status: 202, body: {} };
  return { status: 404, body: { message: 'Not Found' } };
}

beforeAll(async () => {
  environment = await testEnvironment();
  github = createServer(async (request, response) => {
    for await (const _chunk of request); // drain
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      authorization: request.headers.authorization ?? '',
    });
    const answer = fakeGithub(request);
    response
      .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      .end(JSON.stringify(answer.body ?? {}));
  });
  github.listen(0, '127.0.0.1');
  await once(github, 'listening');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  admin = await startTestAdmin(environment.env, TOKEN, {
    GITHUB_API_URL: `http://127.0.0.1:${(github.address() as AddressInfo).port}`,
    GITHUB_TOKEN,
    GITHUB_APP_ID: '12345',
    GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().replace(/\n/g, '\\n'),
    GITHUB_RECOVERY_HOOKS: `${HOOK},app`,
    GITHUB_RECOVERY_WINDOW_HOURS: '6',
    // Only the first turn, at start; the others are asked for.
    GITHUB_RECOVERY_INTERVAL_MS: String(24 * 3600_000),
  });
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 1 });
  await prisma.webhookEvent.create({
    data: {
      provider: 'github',
      hookId: '7',
      deliveryId: guids.failedStored,
      eventType: 'ping',
      headers: {},
      payload: {},
      bodySha256: 'x',
      queue: 'default',
      status: 'processed',
    },
  });
});

afterAll(async () => {
  await admin?.stop();
  await prisma?.$disconnect();
  github?.closeAllConnections();
  await new Promise((resolve) => github?.close(resolve));
  await environment?.cleanup();
});

const api = async (method: string, path: string) => {
  const response = await fetch(`${admin.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('missed-delivery recovery', () => {
  it('asks GitHub to redeliver exactly the failed deliveries Hookfleet never stored, within the window', async () => {
    // A scheduler's first turn comes at once: the admin's start ran it.
    await expect
      .poll(async () => (await api('GET', '/api/v1/github/recovery')).body.last_run, { timeout: 20_000 })
      .toBeTruthy();

    const redeliveries = seen.filter((request) => request.method === 'POST').map((request) => request.url);
    expect(redeliveries.sort()).toEqual(
      [
        `/${HOOK}/deliveries/101/attempts`,
        `/${HOOK}/deliveries/105/attempts`,
        `/${HOOK}/deliveries/106/attempts`,
        '/app/hook/deliveries/201/attempts',
      ].sort(),
    );
    // The rate limit was waited out and the same page asked for again; the token went to the repository hook only.
    const listings = seen.filter(
      (request) => request.method === 'GET' && request.url.startsWith(`/${HOOK}/deliveries`),
    );
    expect(listings.length).toBe(3);
    expect(listings.every((request) => request.authorization === `token ${GITHUB_TOKEN}`)).toBe(true);
    expect(seen.find((request) => request.url.startsWith('/app/'))?.authorization).toMatch(/^bearer /i);

    const status = await api('GET', '/api/v1/github/recovery');
    expect(status.body).toMatchObject({
      enabled: true,
      hooks: [HOOK, 'app'],
      last_run: { hooks: 2, missing: 4, redelivered: 3, expired: 1, given_up: 0, errors: [] },
    });
    const metrics = await (await fetch(`${admin.url}/metrics`)).text();
    expect(metrics).toMatch(/github_api_requests_total\{[^}]*endpoint="list_deliveries"[^}]*status="403"[^}]*\} 1/);
    expect(metrics).toMatch(/github_api_requests_total\{[^}]*endpoint="redeliver"[^}]*status="202"[^}]*\} 3/);
    expect(metrics).toMatch(/github_api_rate_limit_remaining\{[^}]*\} 4321/);
  });

  it('runs on request too, and gives up on a GUID after asking for it three times', async () => {
    for (let run = 0; run < 3; run++) {
      const started = await api('POST', '/api/v1/github/recovery/run');
      await expect
        .poll(async () => (await api('GET', `/api/v1/operations/${String(started.body.operation_id)}`)).body.state, {
          timeout: 20_000,
        })
        .toBe('completed');
    }
    const status = await api('GET', '/api/v1/github/recovery');
    // Four runs in all (the scheduled one, three on request): the fourth finds them asked for three times.
    expect(status.body.last_run).toMatchObject({ missing: 4, redelivered: 0, given_up: 4 });
  });
});

describe('github_api in the admin’s /health', () => {
  it('shows the rate limit the recovery token has left, asked without counting against it', async () => {
    const response = await fetch(`${admin.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { components: Record<string, { status: string; details?: unknown }> };
    expect(body.components.github_api).toMatchObject({
      status: 'healthy',
      details: { configured: true, auth: 'token', rate_limit: { limit: 5000, remaining: 4321 } },
    });
    const asked = seen.filter((request) => request.url === '/rate_limit');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((request) => request.authorization === `token ${GITHUB_TOKEN}`)).toBe(true);
    const metrics = await (await fetch(`${admin.url}/metrics`)).text();
    expect(metrics).toMatch(/github_api_requests_total\{[^}]*endpoint="rate_limit"[^}]*status="200"/);
  });
});
