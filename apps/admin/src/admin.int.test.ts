import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { PrismaClient } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { QUEUE_NAMES } from '@hookfleet/queue';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdmin } from './admin.js';
import { MAS_CALLBACK_PATH } from './routes/mas-callback.js';
import { routesOf } from '../test-support/routes-of.js';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import { SIGN_IN_PATHS } from './sessions.js';

const TOKEN = 'admin-test-token-0123456789';
const MAX_INLINE_BYTES = 2048;
const PUBLIC_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

const environment = useTestEnvironment();
let prisma: PrismaClient;
let app: Express;
let server: RunningAdmin;

beforeAll(async () => {
  server = environment.stopAtEnd(
    await startTestAdmin(environment.env, TOKEN, {
      SOURCE_SECRETS_KEY: randomBytes(32).toString('base64'),
      ADMIN_MAX_INLINE_BYTES: String(MAX_INLINE_BYTES),
    }),
  );
  app = server.app;
  prisma = environment.prisma;

  // Three events and one task to filter.
  const base = { provider: 'github', headers: {}, payload: {}, bodySha256: 'x', hookId: '1' };
  // One after the other: the list is in delivery order.
  const [opened] = await inOrder([
    () =>
      prisma.webhookEvent.create({
        data: {
          ...base,
          deliveryId: 'a',
          eventType: 'pull_request',
          action: 'opened',
          payload: { action: 'opened', pull_request: { number: 7, draft: false } },
          repository: 'octo/one',
          queue: 'validation',
          status: 'processed',
        },
      }),
    () =>
      prisma.webhookEvent.create({
        data: {
          ...base,
          deliveryId: 'b',
          eventType: 'push',
          repository: 'octo/two',
          queue: 'deployment',
          status: 'dead',
          lastError: 'boom',
        },
      }),
    () =>
      prisma.webhookEvent.create({
        data: { ...base, deliveryId: 'c', eventType: 'ping', queue: 'default', status: 'queued' },
      }),
  ]);
  await prisma.workflowTask.create({
    data: {
      eventId: opened!.id,
      generation: 0,
      taskType: 'pull_request_analysis',
      status: 'completed',
      repository: 'octo/one',
      prNumber: 7,
      input: {},
      maxRetries: 3,
    },
  });
});

async function inOrder<T>(steps: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const step of steps) results.push(await step());
  return results;
}

const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000001');

async function call(method: string, path: string, token?: string) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text };
}

describe('auth', () => {
  it('refuses every non-public route without a token and with a wrong one', async () => {
    // The MAS callback has its own signature check; sign-in is where a browser gets its credential.
    const routes = routesOf(app).filter(
      (route) =>
        !PUBLIC_PATHS.has(route.path) && route.path !== MAS_CALLBACK_PATH && !SIGN_IN_PATHS.includes(route.path),
    );
    // The API's own routes must all be found, or this test would pass by enumerating nothing.
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/events',
        'GET /api/v1/events/:id',
        'POST /api/v1/events/:id/reprocess',
        'GET /api/v1/tasks',
        'GET /api/v1/tasks/:id',
        'POST /api/v1/tasks/:id/retry',
        'POST /api/v1/sources',
        'PATCH /api/v1/sources/:id',
        'POST /api/v1/sources/:id/rotate-secret',
      ]),
    );
    for (const route of [
      ...routes,
      { method: 'GET', path: '/admin/queues' },
      { method: 'GET', path: '/admin/queues/api/queues' },
    ]) {
      const anonymous = await call(route.method, concrete(route.path));
      expect(anonymous, `${route.method} ${route.path}`).toMatchObject({
        status: 401,
        body: { code: 'missing_token' },
      });
      const wrong = await call(route.method, concrete(route.path), 'not-the-token-at-all');
      expect(wrong, `${route.method} ${route.path}`).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    }
  });

  it('leaves health and metrics open for probes and scrapers', async () => {
    for (const path of PUBLIC_PATHS) expect((await call('GET', path)).status).toBe(200);
  });
});

describe('events', () => {
  it('lists newest first and filters by event type, status and repository', async () => {
    const all = await call('GET', '/api/v1/events', TOKEN);
    expect(all.status).toBe(200);
    const body = all.body as { data: Array<{ delivery_id: string }>; pagination: { total: number } };
    expect(body.pagination.total).toBe(3);
    const filtered = async (query: string) =>
      ((await call('GET', `/api/v1/events?${query}`, TOKEN)).body as { data: Array<{ delivery_id: string }> }).data.map(
        (event) => event.delivery_id,
      );
    expect(await filtered('event_type=push')).toEqual(['b']);
    expect(await filtered('status=dead')).toEqual(['b']);
    expect(await filtered('repository=octo/one')).toEqual(['a']);
    expect(await filtered('status=processed&event_type=push')).toEqual([]);
    // Payload fields: a number, a string, and one that matches nothing.
    expect(await filtered('payload.pull_request.number=7')).toEqual(['a']);
    expect(await filtered('payload.action=opened&payload.pull_request.draft=false')).toEqual(['a']);
    expect(await filtered('payload.pull_request.number=8')).toEqual([]);
  });

  it('pages with a cursor, newest first, without repeats or gaps', async () => {
    const page = async (query: string) =>
      (await call('GET', `/api/v1/events?${query}`, TOKEN)).body as {
        data: Array<{ delivery_id: string }>;
        pagination: { next_cursor: string | null };
      };
    const first = await page('limit=2');
    expect(first.data.map((event) => event.delivery_id)).toEqual(['c', 'b']);
    const second = await page(`limit=2&cursor=${first.pagination.next_cursor}`);
    expect(second.data.map((event) => event.delivery_id)).toEqual(['a']);
    expect(second.pagination.next_cursor).toBeNull();
  });

  it('answers 400 naming the field for an out-of-range page or an unknown status', async () => {
    for (const query of ['limit=0', 'limit=1001', 'cursor=-1', 'limit=abc', 'status=exploded', 'since=yesterday']) {
      const answer = await call('GET', `/api/v1/events?${query}`, TOKEN);
      expect(answer, query).toMatchObject({ status: 400, body: { code: 'invalid_request', status_code: 400 } });
      expect(JSON.stringify((answer.body as { details: unknown }).details)).toMatch(/limit|cursor|status|since/);
    }
  });

  it('answers 404 for an unknown event and 400 for a malformed id', async () => {
    expect(await call('GET', '/api/v1/events/00000000-0000-4000-8000-000000000009', TOKEN)).toMatchObject({
      status: 404,
      body: { code: 'event_not_found' },
    });
    expect((await call('GET', '/api/v1/events/nope', TOKEN)).status).toBe(400);
  });

  it("plans a reprocessed event afresh and stores that plan as the new generation's", async () => {
    // Stored with a plan this version would not make (a record-only one): the reprocess replaces it.
    const event = await prisma.webhookEvent.create({
      data: {
        provider: 'github',
        headers: {},
        bodySha256: 'x',
        hookId: '1',
        deliveryId: 'replanned',
        eventType: 'pull_request',
        action: 'opened',
        repository: 'octo/replanned',
        payload: {
          action: 'opened',
          repository: { full_name: 'octo/replanned' },
          pull_request: { number: 21, title: 't', head: { ref: 'f', sha: 'abc' }, base: { ref: 'main' } },
        },
        plan: { queue: 'default', tasks: [], workflow: null, signal: null, installation: null },
        queue: 'default',
        status: 'processed',
      },
    });
    expect((await call('POST', `/api/v1/events/${event.id}/reprocess`, TOKEN)).status).toBe(202);
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(row).toMatchObject({ generation: 1, queue: 'validation', status: expect.stringMatching(/received|queued/) });
    const plan = row.plan as { queue: string; tasks: Array<{ type: string }> };
    expect(plan.queue).toBe('validation');
    expect(plan.tasks.map((task) => task.type)).toContain('pull_request_analysis');
  });

  it('refuses to reprocess an event that is still on its way', async () => {
    const queued = await prisma.webhookEvent.findFirstOrThrow({ where: { deliveryId: 'c' } });
    expect(await call('POST', `/api/v1/events/${queued.id}/reprocess`, TOKEN)).toMatchObject({
      status: 409,
      body: { code: 'event_in_progress' },
    });
  });
});

describe('tasks', () => {
  it('filters by status, type, repository, pull request and time, and refuses to retry a completed task', async () => {
    const list = async (query: string) =>
      ((await call('GET', `/api/v1/tasks?${query}`, TOKEN)).body as { data: Array<{ pr_number: number }> }).data;
    expect(await list('task_type=pull_request_analysis&status=completed&repository=octo/one')).toMatchObject([
      { pr_number: 7 },
    ]);
    expect(await list('status=dead')).toEqual([]);
    expect(await list('pr_number=7')).toHaveLength(1);
    expect(await list('pr_number=8')).toEqual([]);
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString();
    expect(await list(`since=${tomorrow}`)).toEqual([]);
    expect(await list(`until=${tomorrow}`)).toHaveLength(1);
    const task = await prisma.workflowTask.findFirstOrThrow();
    expect(await call('POST', `/api/v1/tasks/${task.id}/retry`, TOKEN)).toMatchObject({
      status: 409,
      body: { code: 'task_not_failed' },
    });
    expect(await call('GET', `/api/v1/tasks/${task.id}`, TOKEN)).toMatchObject({
      status: 200,
      body: { task_type: 'pull_request_analysis', executions: [] },
    });
  });
});

describe('Bull Board', () => {
  it('serves its page and lists every queue to a token holder', async () => {
    const page = await call('GET', '/admin/queues', TOKEN);
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<html');
    const api = await call('GET', '/admin/queues/api/queues', TOKEN);
    expect(api.status).toBe(200);
    const names = (api.body as { queues: Array<{ name: string }> }).queues.map((queue) => queue.name).sort();
    expect(names).toEqual([...QUEUE_NAMES].sort());
  });

  it('exports queue depths, including the failed set, in /metrics', async () => {
    const metrics = String((await call('GET', '/metrics')).body);
    for (const name of QUEUE_NAMES)
      expect(metrics).toMatch(new RegExp(`webhook_queue_depth\\{[^}]*queue="${name}"[^}]*state="failed"`));
  });
});

describe('sources', () => {
  it('creates a source showing its secret once, lists and updates it, and rotates its secret', async () => {
    const created = await fetch(`${server.url}/api/v1/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'standard', name: 'billing', settings: { validation: 'enforce' } }),
    });
    expect(created.status).toBe(201);
    const source = (await created.json()) as {
      id: string;
      secret: string;
      webhook_path: string;
      secrets: Array<{ current: boolean }>;
    };
    expect(source.secret).toMatch(/^whsec_/);
    expect(source.webhook_path).toBe(`/webhooks/standard/${source.id}`);

    const shown = await call('GET', `/api/v1/sources/${source.id}`, TOKEN);
    expect(JSON.stringify(shown.body)).not.toContain(source.secret);
    expect(
      ((await call('GET', '/api/v1/sources', TOKEN)).body as { data: Array<{ id: string }> }).data.map((s) => s.id),
    ).toContain(source.id);

    const rotated = await fetch(`${server.url}/api/v1/sources/${source.id}/rotate-secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ previous_secret_ttl_seconds: 60 }),
    });
    const rotatedBody = (await rotated.json()) as {
      secret: string;
      secrets: Array<{ current: boolean; active: boolean; expires_at: string | null }>;
    };
    expect(rotated.status).toBe(200);
    expect(rotatedBody.secret).not.toBe(source.secret);
    expect(rotatedBody.secrets.filter((secret) => secret.active)).toHaveLength(2);
    expect(rotatedBody.secrets.filter((secret) => secret.current)).toHaveLength(1);

    const disabled = await call('POST', `/api/v1/sources/${source.id}/disable`, TOKEN);
    expect(disabled).toMatchObject({ status: 200, body: { enabled: false } });
  });

  it('refuses bad input with field-level errors and changes nothing', async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/api/v1/sources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const before = await prisma.source.count();
    expect((await post({ provider: 'bitbucket', name: 'x' })).status).toBe(400);
    expect(await (await post({ provider: 'slack', name: 'no-secret' })).json()).toMatchObject({
      code: 'secret_required',
    });
    expect(
      await (await post({ provider: 'github', name: 'bad-cidr', settings: { ipAllowlist: ['1.2.3.4/40'] } })).json(),
    ).toMatchObject({ code: 'invalid_settings' });
    expect(
      await (
        await post({ provider: 'github', name: 'bad-rule', settings: { validationRules: { push: { type: 'nope' } } } })
      ).json(),
    ).toMatchObject({ code: 'invalid_settings' });
    expect(await prisma.source.count()).toBe(before);
  });
});

describe('event detail size', () => {
  it('shows a document above the inline limit as a truncated preview with its size, and a small one whole', async () => {
    const big = { title: 'x'.repeat(50_000), nested: { numbers: Array.from({ length: 500 }, (_, i) => i) } };
    const event = await prisma.webhookEvent.create({
      data: {
        provider: 'github',
        headers: {},
        bodySha256: 'big',
        hookId: '1',
        deliveryId: 'big-payload',
        eventType: 'push',
        queue: 'deployment',
        status: 'processed',
        payload: big,
        transformed: { small: true },
      },
    });
    const answer = await call('GET', `/api/v1/events/${event.id}`, TOKEN);
    expect(answer.status).toBe(200);
    const body = answer.body as Record<string, unknown>;
    expect(body).toMatchObject({
      payload: null,
      payload_truncated: true,
      transformed: { small: true },
      transformed_truncated: false,
    });
    // Postgres's JSON text puts a space after each ":" and ",", so it is a little longer than JSON.stringify's.
    expect(body.payload_bytes).toBeGreaterThan(Buffer.byteLength(JSON.stringify(big)));
    expect(body.transformed_bytes).toBe(Buffer.byteLength('{"small": true}'));
    expect(body.payload_preview).toHaveLength(MAX_INLINE_BYTES);
    expect(String(body.payload_preview)).toMatch(/^\{"title": "xxx/);
    expect(JSON.stringify(body).length).toBeLessThan(MAX_INLINE_BYTES * 4);
  });
});
