// The OpenAPI document against the running app: it names every route the router serves and no other,
// and each route's documented role is exactly what the app enforces: refused without a token, refused
// (403) to every lower role, let through for the documented one.
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdmin } from './admin.js';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import { ROLES } from './auth.js';
import { routesOf } from '../test-support/routes-of.js';

const ADMIN = 'admin-test-token-0123456789';
let environment: TestEnvironment;
let admin: RunningAdmin;
const tokens: Record<string, string> = {};

async function call(method: string, path: string, token?: string) {
  const response = await fetch(`${admin.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : '{}',
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text };
}

beforeAll(async () => {
  environment = await testEnvironment();
  admin = await startTestAdmin(environment.env, ADMIN);
  for (const role of ROLES) {
    const response = await fetch(`${admin.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `${role}-token`, role }),
    });
    tokens[role] = ((await response.json()) as { token: string }).token;
  }
});

afterAll(async () => {
  await admin?.stop();
  await environment?.cleanup();
});

const concrete = (path: string) =>
  path
    .replace(':queue', 'validation')
    .replace(/:[A-Za-z]+/g, (name) =>
      name === ':id' && path.includes('operations') ? '1' : '00000000-0000-4000-8000-000000000001',
    );

describe('the OpenAPI document', () => {
  it('is served, OpenAPI 3.1, and lists exactly the routes the app serves', async () => {
    const served = await call('GET', '/api/v1/openapi.json', tokens.viewer);
    expect(served.status).toBe(200);
    const document = served.body as { openapi: string; paths: Record<string, Record<string, { summary: string }>> };
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{([A-Za-z]+)\}/g, ':$1')}`),
    );
    const mounted = routesOf(admin.app)
      .filter((route) => route.path.startsWith('/api/v1/'))
      .map((route) => `${route.method} ${route.path}`);
    expect(mounted.length).toBeGreaterThan(25);
    expect([...new Set(documented)].sort()).toEqual([...new Set(mounted)].sort());
  });

  it('documents each route’s role as the app enforces it', async () => {
    const rank = { viewer: 0, operator: 1, admin: 2 } as const;
    const document = (await call('GET', '/api/v1/openapi.json', tokens.viewer)).body as {
      paths: Record<string, Record<string, { 'x-required-role': keyof typeof rank | 'signature' }>>;
    };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method,
        path: path.replace(/\{([A-Za-z]+)\}/g, ':$1'),
        role: operation['x-required-role'],
      })),
    );
    expect(routes.length).toBeGreaterThan(25);
    for (const route of routes) {
      if (route.role === 'signature') continue;
      const method = route.method.toUpperCase();
      const path = concrete(route.path);
      const where = `${method} ${route.path}`;
      expect((await call(method, path)).status, `${where} without a token`).toBe(401);
      for (const role of ROLES) {
        const answer = await call(method, path, tokens[role]);
        if (rank[role] < rank[route.role]) {
          expect(answer, `${where} as ${role}`).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
        } else {
          expect([401, 403], `${where} as ${role}: ${JSON.stringify(answer.body)}`).not.toContain(answer.status);
        }
      }
    }
  }, 60_000);

  it('judges a path by the route it reaches, whatever its letter case', async () => {
    // Express matches /api/v1/Tokens to the tokens routes: an operator must not get an admin token that way.
    const sneaky = await fetch(`${admin.url}/api/v1/Tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'escalated', role: 'admin' }),
    });
    expect(sneaky.status).toBe(403);
    expect((await call('GET', '/API/V1/AUDIT', tokens.viewer)).status).toBe(403);
  });
});
