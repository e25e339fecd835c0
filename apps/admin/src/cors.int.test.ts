// CORS for the admin API: off unless origins are configured; then a listed origin is allowed (preflight
// answered without a token), any other gets no Access-Control-Allow-Origin; origins are exact or refused at start.
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import type { RunningAdmin } from './admin.js';
import { adminConfigSchema } from './config.js';

const TOKEN = 'admin-cors-test-token-0123456789';
const ALLOWED = 'https://ops.example.com';
const ALSO_ALLOWED = 'http://localhost:5173';
const environment = useTestEnvironment();
let withCors: RunningAdmin;
let withoutCors: RunningAdmin;

beforeAll(async () => {
  withCors = environment.stopAtEnd(
    await startTestAdmin(environment.env, TOKEN, { ADMIN_CORS_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}` }),
  );
  withoutCors = environment.stopAtEnd(await startTestAdmin(environment.env, TOKEN));
}, 60_000);

const fromOrigin = (admin: RunningAdmin, origin: string, path = '/api/v1/events?limit=1') =>
  fetch(`${admin.url}${path}`, { headers: { origin, authorization: `Bearer ${TOKEN}` } });

const preflight = (admin: RunningAdmin, origin: string) =>
  fetch(`${admin.url}/api/v1/events/reprocess`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS, configured', () => {
  it('allows each listed origin, exactly, and lets its scripts read the rate limit and correlation id', async () => {
    for (const origin of [ALLOWED, ALSO_ALLOWED]) {
      const response = await fromOrigin(withCors, origin);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('vary')).toMatch(/origin/i);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('access-control-expose-headers')).toMatch(/RateLimit.*Retry-After.*X-Correlation-Id/);
    }
  });

  it('gives any other origin no Access-Control-Allow-Origin', async () => {
    for (const origin of [
      'https://evil.example.com',
      'https://ops.example.com.evil.example',
      'http://ops.example.com',
    ]) {
      const response = await fromOrigin(withCors, origin);
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('answers a listed origin’s preflight without a token, and a foreign one’s without allowing it', async () => {
    const allowed = await preflight(withCors, ALLOWED);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    // Every method the API's routes answer (PUT: a source's routing rules), from the route table.
    expect(allowed.headers.get('access-control-allow-methods')?.split(',').sort()).toEqual([
      'DELETE',
      'GET',
      'HEAD',
      'PATCH',
      'POST',
      'PUT',
    ]);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization.*Content-Type/);
    expect(Number(allowed.headers.get('access-control-max-age'))).toBeGreaterThan(0);

    const foreign = await preflight(withCors, 'https://evil.example.com');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('leaves the pages outside the API (sign-in form, Bull Board) without CORS', async () => {
    const response = await fetch(`${withCors.url}/admin/login`, { headers: { origin: ALLOWED } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS, not configured', () => {
  it('sends no CORS headers, and a preflight is refused like any call without a token', async () => {
    const response = await fromOrigin(withoutCors, ALLOWED);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const refused = await preflight(withoutCors, ALLOWED);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('ADMIN_CORS_ORIGINS', () => {
  it.each([
    '*',
    'https://ops.example.com/',
    'https://ops.example.com/path',
    'ops.example.com',
    'ftp://ops.example.com',
  ])('refuses %s at start: origins are exact', (value) => {
    const parsed = adminConfigSchema.pick({ ADMIN_CORS_ORIGINS: true }).safeParse({ ADMIN_CORS_ORIGINS: value });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('not an exact origin');
  });

  it('is empty (CORS off) when unset', () => {
    expect(adminConfigSchema.pick({ ADMIN_CORS_ORIGINS: true }).parse({}).ADMIN_CORS_ORIGINS).toEqual([]);
  });
});
