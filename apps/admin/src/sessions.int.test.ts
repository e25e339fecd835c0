import type { Request } from 'express';
import type { Redis } from 'ioredis';
import type { PrismaClient } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdmin } from './admin.js';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import { createTokenStore } from './auth.js';
import { SESSION_COOKIE, createSessionStore } from './sessions.js';

const TOKEN = 'sessions-test-token-0123456789';

const environment = useTestEnvironment();
let admin: RunningAdmin;
let prisma: PrismaClient;
let redis: Redis;

beforeAll(async () => {
  admin = environment.stopAtEnd(await startTestAdmin(environment.env, TOKEN));
  prisma = environment.prisma;
  redis = environment.redis;
});

async function issue(role: 'viewer' | 'operator' | 'admin'): Promise<{ id: string; token: string }> {
  const response = await fetch(`${admin.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${role}-${Math.random().toString(36).slice(2)}`, role }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; token: string };
}

async function login(token: string) {
  const response = await fetch(`${admin.url}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
    redirect: 'manual',
  });
  const setCookie = response.headers.get('set-cookie') ?? '';
  const value = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(setCookie)?.[1];
  return { response, setCookie, cookie: value ? `${SESSION_COOKIE}=${value}` : null };
}

/** What a browser sends with a request from the admin's own pages. */
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

const withCookie = (path: string, cookie: string, init: RequestInit = {}) =>
  fetch(`${admin.url}${path}`, { ...init, headers: { cookie, ...init.headers }, redirect: 'manual' });

describe('signing in', () => {
  it('serves the form, and a good token gets an HttpOnly SameSite=Strict session cookie and a redirect to Bull Board', async () => {
    const form = await fetch(`${admin.url}/admin/login`);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toContain('text/html');
    expect(await form.text()).toContain('name="token"');

    const { token } = await issue('viewer');
    const { response, setCookie, cookie } = await login(token);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin/queues');
    expect(cookie).not.toBeNull();
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i); // plain HTTP here
    // Redis holds the hash of the session id, never the id itself.
    const id = cookie!.split('=')[1]!;
    expect(await redis.keys(`${environment.env.QUEUE_PREFIX}:admin-session:*`)).not.toContainEqual(
      expect.stringContaining(id),
    );
  });

  it('refuses a bad token with 401, a generic message and no cookie', async () => {
    const { response, setCookie } = await login('hf_not-a-real-token');
    expect(response.status).toBe(401);
    expect(setCookie).toBe('');
    expect(await response.text()).toContain('Sign-in failed.');
  });

  it('refuses a sign-in form posted from another site', async () => {
    const { token } = await issue('viewer');
    const response = await fetch(`${admin.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ token }),
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});

describe('a session', () => {
  it('authenticates API calls until sign-out', async () => {
    const { token } = await issue('viewer');
    const { cookie } = await login(token);
    expect((await withCookie('/api/v1/events', cookie!)).status).toBe(200);

    const out = await withCookie('/admin/logout', cookie!, { method: 'POST' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`${SESSION_COOKIE}=;`));
    // The old cookie no longer works even if a browser kept it.
    expect(await (await withCookie('/api/v1/events', cookie!)).json()).toMatchObject({ code: 'missing_token' });
  });

  it('gives a viewer the read-only board and refuses its mutating Bull Board calls with 403', async () => {
    const { token } = await issue('viewer');
    const { cookie } = await login(token);
    expect((await withCookie('/admin/queues', cookie!)).status).toBe(200);
    const queues = (await (await withCookie('/admin/queues/api/queues', cookie!)).json()) as {
      queues: Array<{ name: string; readOnlyMode: boolean }>;
    };
    expect(queues.queues.length).toBeGreaterThan(0);
    expect(queues.queues.every((queue) => queue.readOnlyMode)).toBe(true);
    const retry = await withCookie('/admin/queues/api/queues/validation/retry/failed', cookie!, {
      method: 'PUT',
      headers: SAME_ORIGIN,
    });
    expect(retry.status).toBe(403);
    expect(await retry.json()).toMatchObject({ code: 'insufficient_role' });
  });

  it('gives an operator the full board', async () => {
    const { token } = await issue('operator');
    const { cookie } = await login(token);
    const queues = (await (await withCookie('/admin/queues/api/queues', cookie!)).json()) as {
      queues: Array<{ readOnlyMode: boolean }>;
    };
    expect(queues.queues.length).toBeGreaterThan(0);
    expect(queues.queues.some((queue) => queue.readOnlyMode)).toBe(false);
  });

  it("stops working once its token is revoked, within the token store's cache time", async () => {
    let clock = Date.now();
    const tokens = createTokenStore(prisma, () => new Date(clock));
    const sessions = createSessionStore({ redis, prefix: environment.env.QUEUE_PREFIX, tokens });
    const issued = await tokens.issue({ name: 'revoked-later', role: 'operator', createdBy: 'test' });
    const principal = await tokens.resolve(issued.token);
    const id = await sessions.create(principal!);
    const request = { headers: { cookie: `other=1; ${SESSION_COOKIE}=${id}` } } as Request;
    expect(await sessions.session(request)).toMatchObject({ tokenId: issued.id, role: 'operator' });

    await prisma.apiToken.update({ where: { id: issued.id }, data: { revokedAt: new Date() } });
    clock += 5_000;
    expect(await sessions.session(request)).toBeNull();
  });
});

describe('a change made with a session cookie', () => {
  const pausedQueue = () => redis.hexists(`${environment.env.QUEUE_PREFIX}:default:meta`, 'paused');

  it('is refused unless it comes from the admin’s own origin; reads and bearer-token calls are not judged', async () => {
    const { token } = await issue('operator');
    const { cookie } = await login(token);
    const ownOrigin = new URL(admin.url).origin;
    const crossSite: Array<[string, Record<string, string>]> = [
      ['another site', { origin: 'http://evil.example' }],
      ['another port of the same host', { origin: ownOrigin.replace(/:\d+$/, ':1') }],
      ['a sibling subdomain, as the browser reports it', { 'sec-fetch-site': 'same-site' }],
      ['a browser that says nothing', {}],
    ];
    for (const [from, headers] of crossSite) {
      const pause = await withCookie('/admin/queues/api/queues/default/pause', cookie!, { method: 'PUT', headers });
      expect(pause.status, from).toBe(403);
      expect(await pause.json(), from).toMatchObject({ code: 'cross_site_request' });
      const cleanup = await withCookie('/api/v1/admin/cleanup', cookie!, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'older_than_days=1',
      });
      expect(cleanup.status, from).toBe(403);
      const addJob = await withCookie('/admin/queues/api/queues/default/add', cookie!, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/plain' },
        body: '{"name":"x","data":{}}',
      });
      expect(addJob.status, from).toBe(403);
    }
    expect(await pausedQueue()).toBe(0);
    const audited = await prisma.auditLog.count({
      where: { path: '/admin/queues/api/queues/default/pause', status: 403 },
    });
    expect(audited).toBe(crossSite.length);

    // Reads need no origin; the admin's own pages may change things.
    expect((await withCookie('/api/v1/events', cookie!, { headers: { origin: 'http://evil.example' } })).status).toBe(
      200,
    );
    for (const headers of [SAME_ORIGIN, { origin: ownOrigin }]) {
      expect(
        (await withCookie('/admin/queues/api/queues/default/pause', cookie!, { method: 'PUT', headers })).status,
      ).toBe(200);
      expect(await pausedQueue()).toBe(1);
      expect(
        (await withCookie('/admin/queues/api/queues/default/resume', cookie!, { method: 'PUT', headers })).status,
      ).toBe(200);
      expect(await pausedQueue()).toBe(0);
    }
    // A bearer token is no ambient credential: its calls are judged by role only.
    const bearer = await fetch(`${admin.url}/api/v1/admin/cleanup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ older_than_days: 3650 }),
    });
    expect(bearer.status).toBe(202);
  });
});

describe('the session cookie’s Secure flag', () => {
  async function cookieFlags(env: Record<string, string>, headers: Record<string, string> = {}) {
    const other = await startTestAdmin(environment.env, TOKEN, env);
    try {
      const response = await fetch(`${other.url}/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ token: TOKEN }),
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      return /;\s*Secure/i.test(response.headers.get('set-cookie') ?? '');
    } finally {
      await other.stop();
    }
  }

  it('follows TLS through a trusted proxy, is on by default in production, and off only when asked', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    expect(await cookieFlags({ ADMIN_TRUST_PROXY: 'loopback' }, https)).toBe(true);
    expect(await cookieFlags({ ADMIN_TRUST_PROXY: 'loopback' })).toBe(false);
    // An untrusted client cannot claim TLS.
    expect(await cookieFlags({}, https)).toBe(false);
    expect(await cookieFlags({ NODE_ENV: 'production' })).toBe(true);
    expect(await cookieFlags({ NODE_ENV: 'production', ADMIN_COOKIE_SECURE: 'false' })).toBe(false);
  });
});

describe('an anonymous browser', () => {
  it('navigating to Bull Board is sent to the sign-in form; an API caller still gets the JSON 401', async () => {
    const page = await fetch(`${admin.url}/admin/queues`, {
      headers: { accept: 'text/html,application/xhtml+xml' },
      redirect: 'manual',
    });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/admin/login');
    const api = await fetch(`${admin.url}/admin/queues/api/queues`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ code: 'missing_token' });
  });
});
