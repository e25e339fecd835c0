// Roles, the audit trail, bulk operations on thousands of events, retention and statistics, against the
// running admin app on its own database and Redis prefix.
import type { Prisma, PrismaClient } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdmin } from './admin.js';
import { startTestAdmin } from '../test-support/start-test-admin.js';

const ADMIN = 'admin-test-token-0123456789';
const DAY_MS = 24 * 3600_000;

const environment = useTestEnvironment();
/** What the admin's token cache reads as now: a test moves it on instead of waiting. */
let tokenClock = Date.now();
let prisma: PrismaClient;
let admin: RunningAdmin;
let viewer: string;
let operator: string;

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${admin.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, read field by field in assertions
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function finished(operationId: string) {
  for (let i = 0; i < 600; i++) {
    const { body } = await call('GET', `/api/v1/operations/${operationId}`, ADMIN);
    if (body.state === 'completed' || body.state === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`operation ${operationId} did not finish`);
}

const event = (
  i: number,
  extra: Partial<Prisma.WebhookEventCreateManyInput> = {},
): Prisma.WebhookEventCreateManyInput => ({
  provider: 'github',
  hookId: '1',
  deliveryId: `bulk-${i}`,
  eventType: 'installation',
  action: 'created',
  headers: {},
  payload: { installation: { id: i % 2 === 0 ? 1 : 2 } },
  bodySha256: 'x',
  queue: 'default',
  status: 'processed',
  ...extra,
});

beforeAll(async () => {
  admin = environment.stopAtEnd(
    await startTestAdmin(environment.env, ADMIN, {}, { tokenClock: () => new Date(tokenClock) }),
  );
  prisma = environment.prisma;
  viewer = (await call('POST', '/api/v1/tokens', ADMIN, { name: 'watcher', role: 'viewer' })).body.token;
  operator = (await call('POST', '/api/v1/tokens', ADMIN, { name: 'on-call', role: 'operator' })).body.token;
}, 60_000);

describe('roles and the audit trail', () => {
  it('lets a viewer read, refuses it changes, and records who tried what', async () => {
    expect(viewer).toMatch(/^hf_/);
    expect((await call('GET', '/api/v1/events', viewer)).status).toBe(200);
    const refused = await call('POST', '/api/v1/admin/cleanup', viewer, {});
    expect(refused).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
    expect((await call('GET', '/api/v1/tokens', operator)).status).toBe(403);
    expect((await call('GET', '/api/v1/audit', operator)).status).toBe(403);

    const audit = await call('GET', '/api/v1/audit?outcome=forbidden', ADMIN);
    expect(audit.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor_name: 'watcher',
          role: 'viewer',
          action: 'POST /api/v1/admin/cleanup',
          status: 403,
        }),
      ]),
    );
  });

  it('stores tokens hashed, shows them once, and stops a revoked one', async () => {
    const issued = await call('POST', '/api/v1/tokens', ADMIN, { name: 'short-lived', role: 'viewer' });
    const rows = await prisma.apiToken.findMany({ where: { name: 'short-lived' } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(issued.body.token);
    const listed = await call('GET', '/api/v1/tokens', ADMIN);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);
    expect((await call('DELETE', `/api/v1/tokens/${issued.body.id}`, ADMIN)).status).toBe(200);
    // The store caches a token's verdict for up to 5 s.
    tokenClock += 5200;
    expect((await call('GET', '/api/v1/events', issued.body.token)).body.code).toBe('invalid_token');
  });
});

describe('bulk reprocess', () => {
  it('reprocesses every event matching a payload filter among thousands, in the background, once', async () => {
    await prisma.webhookEvent.createMany({ data: Array.from({ length: 3000 }, (_, i) => event(i)) });
    const started = await call('POST', '/api/v1/events/reprocess', operator, {
      filter: { event_type: 'installation', payload: { 'installation.id': 1 } },
    });
    expect(started.status).toBe(202);
    const operation = await finished(started.body.operation_id);
    expect(operation).toMatchObject({
      kind: 'events.reprocess',
      requested_by: 'on-call',
      state: 'completed',
      result: { total: 1500, done: 1500, skipped: 0, failed: 0 },
    });
    const byGeneration = await prisma.webhookEvent.groupBy({
      by: ['generation'],
      where: { deliveryId: { startsWith: 'bulk-' } },
      _count: { _all: true },
    });
    expect(Object.fromEntries(byGeneration.map((row) => [row.generation, row._count._all]))).toEqual({
      0: 1500,
      1: 1500,
    });

    const audit = await call('GET', '/api/v1/audit?action=POST%20/api/v1/events/reprocess', ADMIN);
    expect(audit.body.data[0]).toMatchObject({ actor_name: 'on-call', outcome: 'success', status: 202 });
  }, 180_000);

  it('refuses a malformed filter with 400 and starts nothing', async () => {
    const bad = await call('POST', '/api/v1/events/reprocess', operator, { filter: { status: 'exploded' } });
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect((await call('GET', '/api/v1/operations/999999', operator)).status).toBe(404);
  });
});

describe('retention', () => {
  it('deletes finished events older than the cutoff, and nothing unfinished or dead unless asked', async () => {
    const old = new Date(Date.now() - 40 * DAY_MS);
    await prisma.webhookEvent.createMany({
      data: [
        event(10_001, { deliveryId: 'old-processed', receivedAt: old }),
        event(10_002, { deliveryId: 'old-queued', receivedAt: old, status: 'queued' }),
        event(10_003, { deliveryId: 'old-dead', receivedAt: old, status: 'dead' }),
        event(10_004, { deliveryId: 'new-processed' }),
      ],
    });
    const remaining = async () =>
      (
        await prisma.webhookEvent.findMany({
          where: { deliveryId: { in: ['old-processed', 'old-queued', 'old-dead', 'new-processed'] } },
          select: { deliveryId: true },
          orderBy: { deliveryId: 'asc' },
        })
      ).map((row) => row.deliveryId);

    const first = await call('POST', '/api/v1/admin/cleanup', operator, { older_than_days: 30 });
    expect(first.body).toMatchObject({ status: 'cleanup_triggered' });
    expect((await finished(first.body.operation_id)).result).toMatchObject({ done: 1 });
    expect(await remaining()).toEqual(['new-processed', 'old-dead', 'old-queued']);

    const second = await call('POST', '/api/v1/admin/cleanup', operator, { older_than_days: 30, include_dead: true });
    await finished(second.body.operation_id);
    expect(await remaining()).toEqual(['new-processed', 'old-queued']);
  }, 60_000);
});

describe('statistics', () => {
  it('counts events and tasks by status and type, and the last day’s error rate', async () => {
    const metrics = await call('GET', '/api/v1/metrics', viewer);
    expect(metrics.status).toBe(200);
    const total = await prisma.webhookEvent.count();
    expect(metrics.body.webhook_events_total).toBe(total);
    expect(metrics.body.events_by_type.installation).toBe(
      await prisma.webhookEvent.count({ where: { eventType: 'installation' } }),
    );
    expect(Object.keys(metrics.body.queues)).toEqual(expect.arrayContaining(['validation', 'default']));
    expect(metrics.body.queues.default).toHaveProperty('failed');

    const stats = await call('GET', '/api/v1/admin/stats', viewer);
    const recent = await prisma.webhookEvent.count({ where: { receivedAt: { gte: new Date(Date.now() - DAY_MS) } } });
    expect(stats.body.recent_activity.webhooks_24h).toBe(recent);
    expect(stats.body.error_rates).toHaveProperty('webhook_error_rate');
  });
});
