// Group commit through the running ingress: deliveries that arrive together share one INSERT and one
// addBulk, yet each gets its own answer, a repeat in the same group is a duplicate, and every stored row
// has its job. A row left queued without a job is queued again by its redelivery.
import type { PrismaClient } from '@hookfleet/db';
import { signGithubBody } from '@hookfleet/devkit';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { createEventQueues, createRedisConnection, type EventQueues, type QueueName } from '@hookfleet/queue';
import { createLogger } from '@hookfleet/observability';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngress } from '../test-support/start-test-ingress.js';
import type { RunningIngress } from './ingress.js';

const SECRET = 'group-commit-secret';
const environment = useTestEnvironment();
let ingress: RunningIngress;
let prisma: PrismaClient;
let redis: Redis;
let queues: EventQueues;

beforeAll(async () => {
  ingress = environment.stopAtEnd(
    await startTestIngress(environment.env, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      // Long enough that deliveries sent together land in one group.
      WEBHOOK_GROUP_COMMIT_WAIT_MS: '25',
    }),
  );
  prisma = environment.prisma;
  redis = createRedisConnection(environment.env.REDIS_URL, 'worker');
  queues = createEventQueues({
    connection: redis,
    prefix: environment.env.QUEUE_PREFIX,
    retryPolicy: {
      maxRetries: 1,
      initialIntervalMs: 1,
      multiplier: 1,
      maxIntervalMs: 1,
      jitter: 0,
      maxElapsedMs: null,
    },
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
});

afterAll(async () => {
  for (const queue of Object.values(queues ?? {})) await queue.close();
  redis?.disconnect();
});

function ping(deliveryId: string, zen = 'Group commit.') {
  const body = JSON.stringify({ zen, hook_id: 7 });
  return fetch(`${ingress.url}/webhooks/github`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '7',
      'x-hub-signature-256': signGithubBody(SECRET, body),
    },
  }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));
}

async function jobOf(eventId: string) {
  const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
  return { row, job: row.jobId ? await queues[row.queue as QueueName].getJob(row.jobId) : undefined };
}

describe('group commit', () => {
  it('answers each delivery of a group on its own, the repeat in it as a duplicate, and queues every row', async () => {
    const ids = Array.from({ length: 12 }, (_, index) => `group-${index}`);
    const answers = await Promise.all([...ids.map((id) => ping(id)), ping('group-3')]);
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(12);
    const repeats = answers.filter((answer) => answer.status === 200);
    expect(repeats).toHaveLength(1);
    expect(repeats[0]!.body).toMatchObject({ status: 'duplicate' });

    const rows = await prisma.webhookEvent.findMany({
      where: { deliveryId: { in: ids } },
      orderBy: { sequence: 'asc' },
    });
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const { job } = await jobOf(row.id);
      expect(row.status, row.deliveryId).toBe('queued');
      expect(job?.data, row.deliveryId).toEqual({ eventId: row.id });
    }
  });

  it('queues again, on its redelivery, a stored row whose job never made it to Redis', async () => {
    const first = await ping('stranded-1');
    expect(first.status).toBe(202);
    const eventId = String(first.body.eventId);
    // What a process killed between the commit and the add leaves: the row says queued, Redis has nothing.
    await (await jobOf(eventId)).job!.remove();
    expect((await jobOf(eventId)).job).toBeUndefined();

    const again = await ping('stranded-1');
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', eventId } });
    const { row, job } = await jobOf(eventId);
    expect(row.status).toBe('queued');
    expect(job?.data).toEqual({ eventId });
  });
});
