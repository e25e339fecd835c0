// The zero-loss guarantees under outages, through the whole stack: a worker that loses Postgres waits
// instead of using up attempts; Redis losing its data, or being away while the ingress stores deliveries,
// leaves rows that the reconciler queues again; the admin re-creates its scheduled jobs. Faults go through
// a TCP proxy of the test's own and through the test's own Redis key prefix, never the shared servers.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@hookfleet/config';
import { startTcpProxy, type TcpProxy, type TestEnvironment } from '@hookfleet/devkit';
import { ingressConfigSchema, startIngress } from '@hookfleet/ingress';
import { startWorker, workerConfigSchema, type RunningWorker } from '@hookfleet/worker';
import { adminConfigSchema, startAdmin } from '@hookfleet/admin';
import { OPERATIONS_QUEUE } from '@hookfleet/queue';
import {
  ADMIN_TOKEN,
  adminGet,
  deliver,
  startStack,
  testEnvironment,
  waitFor,
  WEBHOOK_SECRET,
  type Stack,
} from './harness.js';

let environment: TestEnvironment;
let stack: Stack;
let redis: Redis;
let counter = 0;

beforeAll(async () => {
  environment = await testEnvironment();
  stack = await startStack(environment.env, {
    admin: { RECONCILE_INTERVAL_MS: '300', RECONCILE_STALE_AFTER_MS: '500', SCHEDULER_CHECK_MS: '300' },
  });
  // Each test runs the workers it needs (one behind a proxy, one after the data loss); the stack's own
  // worker is stopped now, and not again at the end.
  const ownWorker = stack.worker;
  await ownWorker.stop();
  stack.worker = { ...ownWorker, stop: async () => {} };
  redis = new Redis(environment.env.REDIS_URL, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  await stack?.stop();
  redis?.disconnect();
  await environment?.cleanup();
});

/** A delivery of its own pull request, so no ordering ties events together. */
async function deliverPing(ingressUrl: string): Promise<string> {
  const sent = await deliver(ingressUrl, {
    event: 'ping',
    payload: { zen: `outage ${++counter}`, hook_id: counter },
  });
  expect([200, 202]).toContain(sent.status);
  return sent.body.eventId as string;
}

async function statuses(ids: string[]): Promise<Record<string, number>> {
  const rows = await stack.prisma.webhookEvent.groupBy({
    by: ['status'],
    where: { id: { in: ids } },
    _count: { _all: true },
  });
  return Object.fromEntries(rows.map((row) => [row.status, row._count._all]));
}

const allProcessed = (ids: string[]) => async () => {
  const counts = await statuses(ids);
  return counts.processed === ids.length ? counts : undefined;
};

/** Deletes every key of this test's prefix: what a Redis that restarted without persistence looks like. */
async function loseRedisData(): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${environment.env.QUEUE_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

describe('a worker that loses Postgres', () => {
  let proxy: TcpProxy;
  let worker: RunningWorker;

  afterAll(async () => {
    await worker?.stop();
    await proxy?.close();
  });

  it('hands its jobs back without using attempts, shows the outage, and processes every event once Postgres returns', async () => {
    // This worker reaches Postgres through a proxy the test cuts.
    proxy = await startTcpProxy({ port: Number(new URL(environment.env.DATABASE_URL).port || 5432) });
    const databaseUrl = new URL(environment.env.DATABASE_URL);
    databaseUrl.host = `127.0.0.1:${proxy.port}`;
    worker = await startWorker(
      parseConfig(workerConfigSchema, {
        ...environment.env,
        DATABASE_URL: databaseUrl.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: '500',
        WORKER_OUTAGE_RETRY_MS: '200',
        WORKER_HEALTH_PORT: '0',
      }),
    );
    await proxy.cut();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await deliverPing(stack.ingress.url));
    // Three attempts each (JOB_MAX_RETRIES=2) would be spent many times over in this outage.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const ready = await fetch(`${worker.healthUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ components: { database: { status: 'unhealthy' } } });
    expect((await statuses(ids)).dead).toBeUndefined();

    await proxy.restore();
    expect(await waitFor(allProcessed(ids), 'every event processed after the outage', 30_000)).toEqual({
      processed: ids.length,
    });
    const metrics = await (await fetch(`${worker.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/worker_outage_waits_total\{[^}]*dependency="database"[^}]*\} [1-9]/);
    expect((await fetch(`${worker.healthUrl}/health/ready`)).status).toBe(200);
  });
});

describe('the reconciler', () => {
  it('queues again every unfinished event whose job Redis lost, and the admin re-creates its schedulers', async () => {
    // Stored and queued with no worker running, then Redis loses everything of this prefix.
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await deliverPing(stack.ingress.url));
    expect(await statuses(ids)).toEqual({ queued: ids.length });
    await loseRedisData();

    const worker = await startWorker(parseConfig(workerConfigSchema, { ...environment.env, WORKER_HEALTH_PORT: '0' }));
    try {
      expect(await waitFor(allProcessed(ids), 'every event processed after the data loss', 30_000)).toEqual({
        processed: ids.length,
      });
      const operations = new Queue(OPERATIONS_QUEUE, { connection: redis, prefix: environment.env.QUEUE_PREFIX });
      const schedulers = await waitFor(async () => {
        const found = await operations.getJobSchedulers();
        return found.length === 3 ? found : undefined;
      }, 'the admin’s schedulers re-created');
      expect(schedulers.map((scheduler) => scheduler.key).sort()).toEqual([
        'dead-letter-redrive',
        'reconcile',
        'retention-daily',
      ]);
      await operations.close();
      const { body } = await adminGet<{ last_run: { requeued: number } | null }>(stack.admin.url, '/api/v1/reconciler');
      expect(body.last_run).not.toBeNull();
      const reconciled = await stack.prisma.webhookEvent.count({ where: { id: { in: ids }, attempts: 1 } });
      expect(reconciled).toBe(ids.length); // each ran once: requeued once, not twice
    } finally {
      await worker.stop();
    }
  });

  it('queues the deliveries an ingress stored and acknowledged while Redis was away', async () => {
    // Nothing listens on port 1: this ingress's Redis is down for its whole life.
    const ingress = await startIngress(
      parseConfig(ingressConfigSchema, {
        ...environment.env,
        REDIS_URL: 'redis://127.0.0.1:1',
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      }),
    );
    const ids: string[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const sent = await deliver(ingress.url, { event: 'ping', payload: { zen: `no redis ${i}`, hook_id: i } });
        expect(sent.status).toBe(202);
        ids.push(sent.body.eventId as string);
      }
    } finally {
      await ingress.stop();
    }
    // Stored, and not yet processed (no worker runs): still `received`, or already `queued` by the admin's
    // reconciler, which takes up rows older than RECONCILE_STALE_AFTER_MS while the deliveries go on.
    const stored = await statuses(ids);
    expect(Object.keys(stored).filter((status) => status !== 'received' && status !== 'queued')).toEqual([]);
    expect((stored.received ?? 0) + (stored.queued ?? 0)).toBe(ids.length);
    const worker = await startWorker(parseConfig(workerConfigSchema, { ...environment.env, WORKER_HEALTH_PORT: '0' }));
    try {
      expect(await waitFor(allProcessed(ids), 'every stored delivery processed', 30_000)).toEqual({
        processed: ids.length,
      });
    } finally {
      await worker.stop();
    }
    const metrics = await (await fetch(`${stack.admin.url}/metrics`)).text();
    expect(metrics).toMatch(/reconciler_events_total\{[^}]*action="queued"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/oldest_unfinished_event_age_seconds\{[^}]*\} 0/);
  });

  it(
    'answers /metrics within its deadline while Postgres is silent and Redis cut, counting what it could not read',
    { timeout: 60_000 },
    async () => {
      const postgres = await startTcpProxy({ port: Number(new URL(environment.env.DATABASE_URL).port || 5432) });
      const redisProxy = await startTcpProxy({ port: Number(new URL(environment.env.REDIS_URL).port || 6379) });
      const through = (url: string, proxy: TcpProxy) => {
        const proxied = new URL(url);
        proxied.host = `127.0.0.1:${proxy.port}`;
        return proxied.toString();
      };
      const admin = await startAdmin(
        parseConfig(adminConfigSchema, {
          ...environment.env,
          DATABASE_URL: through(environment.env.DATABASE_URL, postgres),
          REDIS_URL: through(environment.env.REDIS_URL, redisProxy),
          DATABASE_CONNECT_TIMEOUT_MS: '1000',
          ADMIN_PORT: '0',
          ADMIN_HOST: '127.0.0.1',
          ADMIN_API_TOKEN: ADMIN_TOKEN,
        }),
      );
      const scrape = async () => {
        const started = performance.now();
        const response = await fetch(`${admin.url}/metrics`);
        return { status: response.status, body: await response.text(), ms: performance.now() - started };
      };
      try {
        const before = await scrape();
        expect(before.status).toBe(200);
        expect(before.body).toMatch(/webhook_queue_depth\{[^}]*queue="default"/);
        expect(before.body).not.toMatch(/^metrics_refresh_errors_total\{/m);

        // Postgres silent (its query would wait for the 5 s statement timeout), Redis refusing.
        postgres.stall();
        await redisProxy.cut();
        const during = await scrape();
        // Served, with the last values kept, at the refresh deadline (2 s) rather than when Postgres gives up.
        expect(during.status).toBe(200);
        expect(during.ms).toBeLessThan(4000);
        expect(during.body).toMatch(/webhook_queue_depth\{[^}]*queue="default"/);
        expect(during.body).toMatch(/metrics_refresh_errors_total\{source="queues"[^}]*\} [1-9]/);
        expect(during.body).toMatch(/metrics_refresh_errors_total\{source="events"[^}]*\} [1-9]/);
      } finally {
        await postgres.restore();
        await redisProxy.restore();
        // Stopped once reconnected: a BullMQ worker's close() waits while its connection is still reconnecting.
        await expect.poll(async () => (await fetch(`${admin.url}/health/ready`)).status, { timeout: 20_000 }).toBe(200);
        await admin.stop();
        await postgres.close();
        await redisProxy.close();
      }
    },
  );
});
