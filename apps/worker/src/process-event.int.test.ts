// The plan a run follows is the one stored with the event: during a rolling deploy an old ingress and a new
// worker may plan one payload differently, and the event must go the way it was accepted.
import { createHash, randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type Prisma, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createLogger, createMetrics } from '@hookfleet/observability';
import { recordOnly } from '@hookfleet/planning';
import {
  closeEventQueues,
  createEventQueues,
  createRedisConnection,
  retryPolicyOf,
  type EventJobData,
  type EventQueues,
} from '@hookfleet/queue';
import { createTransformSandbox, transformLimitsOf, type TransformSandbox } from '@hookfleet/sources';
import { parseWorkerConfig } from './config.js';
import { connectDownstreams } from './downstreams.js';
import { createEventProcessor } from './process-event.js';
import { createSideEffectLedger } from './side-effects.js';

let environment: TestEnvironment;
let prisma: PrismaClient;
let producer: ReturnType<typeof createRedisConnection>;
let queues: EventQueues;
let transforms: TransformSandbox;
let processEvent: ReturnType<typeof createEventProcessor>;

beforeAll(async () => {
  environment = await testEnvironment();
  const config = parseWorkerConfig(environment.env);
  const logger = createLogger({ service: 'worker-test', level: 'silent' });
  const metrics = createMetrics('worker-test');
  prisma = createPrismaClient(config.DATABASE_URL, { poolMax: 3 });
  producer = createRedisConnection(config.REDIS_URL, 'producer');
  const retryPolicy = retryPolicyOf(config);
  queues = createEventQueues({ connection: producer, prefix: config.QUEUE_PREFIX, retryPolicy, logger });
  transforms = createTransformSandbox(transformLimitsOf(config));
  processEvent = createEventProcessor({
    prisma,
    queues,
    downstreams: connectDownstreams(config, { metrics, logger }),
    ledger: createSideEffectLedger({ prisma, metrics }),
    logger,
    metrics,
    retryPolicy,
    config,
    orderingDelayMs: config.WORKFLOW_ORDERING_DELAY_MS,
    strandedAfterMs: config.WORKFLOW_STRANDED_AFTER_MS,
    transforms,
    github: null,
  });
});

afterAll(async () => {
  await transforms?.close();
  if (queues) await closeEventQueues(queues);
  producer?.disconnect();
  await prisma?.$disconnect();
  await environment?.cleanup();
});

/** A pull request opened: planned from its payload, a pull_request workflow and an analysis task. */
async function insertOpenedPullRequest(plan: Prisma.InputJsonValue | undefined): Promise<string> {
  const number = Math.floor(Math.random() * 100_000);
  const payload = {
    action: 'opened',
    repository: { full_name: 'octo/repo', default_branch: 'main' },
    pull_request: {
      number,
      title: 'Fix it',
      html_url: `https://github.com/octo/repo/pull/${number}`,
      user: { login: 'ada' },
      head: { ref: 'fix', sha: 'abc123' },
      base: { ref: 'main' },
      merged: false,
    },
  };
  const event = await prisma.webhookEvent.create({
    data: {
      provider: 'github',
      deliveryId: randomUUID(),
      eventType: 'pull_request',
      action: 'opened',
      repository: 'octo/repo',
      headers: {},
      payload,
      plan,
      bodySha256: createHash('sha256').update(JSON.stringify(payload)).digest('hex'),
      queue: 'validation',
      status: 'queued',
    },
  });
  return event.id;
}

function jobFor(eventId: string): Job<EventJobData> {
  return {
    id: `event-${eventId}-g0`,
    queueName: 'validation',
    data: { eventId },
    attemptsMade: 0,
    opts: { attempts: 3 },
  } as unknown as Job<EventJobData>;
}

describe('the plan a run follows', () => {
  it('is the one stored with the event, even where its payload would now plan otherwise', async () => {
    const eventId = await insertOpenedPullRequest(recordOnly('validation') as unknown as Prisma.InputJsonValue);
    await processEvent(jobFor(eventId));
    const event = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(event.status).toBe('processed');
    expect(event.workflowId).toBeNull();
    expect(await prisma.workflowTask.count({ where: { eventId } })).toBe(0);
  });

  it('is planned from the payload for a row stored before plans were', async () => {
    const eventId = await insertOpenedPullRequest(undefined);
    await processEvent(jobFor(eventId));
    const event = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(event.status).toBe('processed');
    expect(event.workflowId).not.toBeNull();
    const tasks = await prisma.workflowTask.findMany({ where: { eventId }, select: { taskType: true } });
    expect(tasks.map((task) => task.taskType)).toContain('pull_request_analysis');
  });
});
