// The bot's answer in a Slack thread, at most once: a job run again (its worker died after answering but
// before the event was marked processed) does not answer again; a run that ended before answering is
// answered by the next; Slack's {ok:false} is a failed answer recorded, not a failed task. Slack's Web API
// and Codegen are real HTTP servers on loopback; Postgres and Redis are the test's own.
import { once } from 'node:events';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import { SLACK_APP_MENTION_EXAMPLE, SLACK_EXAMPLE_BOT_USER_ID, type TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createLogger, createMetrics } from '@hookfleet/observability';
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

interface Received {
  url: string;
  body: Record<string, unknown>;
}

/** A loopback HTTP server that records JSON requests and answers with `answer`. */
async function startServer(answer: (request: Received) => { status: number; body: unknown }) {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      url: req.url ?? '',
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
    };
    received.push(request);
    const { status, body } = answer(request);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let environment: TestEnvironment;
let prisma: PrismaClient;
let producer: ReturnType<typeof createRedisConnection>;
let queues: EventQueues;
let transforms: TransformSandbox;
let slackApi: Awaited<ReturnType<typeof startServer>>;
let codegen: Awaited<ReturnType<typeof startServer>>;
/** Channels whose messages Slack refuses, as it does for a channel the bot is not in. */
const REFUSED_CHANNEL = 'C0NOTIN001';

beforeAll(async () => {
  environment = await testEnvironment();
  slackApi = await startServer(({ body }) => ({
    status: 200,
    body:
      body.channel === REFUSED_CHANNEL
        ? { ok: false, error: 'not_in_channel' }
        : { ok: true, channel: body.channel, ts: '1700000000.000100' },
  }));
  codegen = await startServer(() => ({ status: 201, body: { id: 42, web_url: 'https://codegen.example/runs/42' } }));
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 3 });
  producer = createRedisConnection(environment.env.REDIS_URL, 'producer');
  const config = parseWorkerConfig(environment.env);
  const logger = createLogger({ service: 'worker-test', level: 'silent' });
  queues = createEventQueues({
    connection: producer,
    prefix: config.QUEUE_PREFIX,
    retryPolicy: retryPolicyOf(config),
    logger,
  });
  transforms = createTransformSandbox(transformLimitsOf(config));
});

afterAll(async () => {
  await transforms?.close();
  if (queues) await closeEventQueues(queues);
  producer?.disconnect();
  await prisma?.$disconnect();
  for (const fake of [slackApi, codegen]) fake?.server.close();
  await environment?.cleanup();
});

/** A worker's event processor; `slackBotToken: null` is a worker without the bot's token. */
function processor(options: { slackBotToken: string | null }) {
  const config = parseWorkerConfig({
    ...environment.env,
    SLACK_BOT_USER_ID: SLACK_EXAMPLE_BOT_USER_ID,
    CODEGEN_BASE_URL: codegen.url,
    CODEGEN_TOKEN: 'codegen-token',
    CODEGEN_ORG_ID: 'org-1',
    SLACK_API_URL: `${slackApi.url}/api`,
    ...(options.slackBotToken ? { SLACK_BOT_TOKEN: options.slackBotToken } : {}),
  });
  const logger = createLogger({ service: 'worker-test', level: 'silent' });
  const metrics = createMetrics('worker-test');
  return createEventProcessor({
    prisma,
    queues,
    downstreams: connectDownstreams(config, { metrics, logger }),
    ledger: createSideEffectLedger({ prisma, metrics }),
    logger,
    metrics,
    retryPolicy: retryPolicyOf(config),
    config,
    orderingDelayMs: config.WORKFLOW_ORDERING_DELAY_MS,
    strandedAfterMs: config.WORKFLOW_STRANDED_AFTER_MS,
    transforms,
    github: null,
  });
}

/** Slack's app_mention example in a channel of its own, stored as the ingress stores it (planned by the worker). */
async function insertAppMention(channel: string): Promise<string> {
  const payload = {
    ...SLACK_APP_MENTION_EXAMPLE,
    event_id: `Ev${randomUUID()}`,
    event: { ...SLACK_APP_MENTION_EXAMPLE.event, channel },
  };
  const event = await prisma.webhookEvent.create({
    data: {
      provider: 'slack',
      deliveryId: payload.event_id,
      eventType: 'app_mention',
      repository: payload.team_id,
      headers: {},
      payload,
      bodySha256: createHash('sha256').update(JSON.stringify(payload)).digest('hex'),
      queue: 'workflow',
      status: 'queued',
    },
  });
  return event.id;
}

const jobFor = (eventId: string) =>
  ({
    id: `event-${eventId}-g0`,
    queueName: 'workflow',
    data: { eventId },
    attemptsMade: 0,
    opts: { attempts: 3 },
  }) as unknown as Job<EventJobData>;

/** The state a worker that died before marking the event processed leaves: the event still to run. */
const diedBeforeProcessed = (eventId: string) =>
  prisma.webhookEvent.update({ where: { id: eventId }, data: { status: 'queued', processedAt: null } });

const postedTo = (channel: string) =>
  slackApi.received.filter(({ url, body }) => url === '/api/chat.postMessage' && body.channel === channel);

describe('the answer in a Slack thread', () => {
  it('is not sent again when the same job runs again after it was sent', async () => {
    const eventId = await insertAppMention('C0RERUN001');
    const run = processor({ slackBotToken: 'xoxb-test' });
    await run(jobFor(eventId));
    expect(postedTo('C0RERUN001')).toHaveLength(1);

    await diedBeforeProcessed(eventId);
    await run(jobFor(eventId));
    expect((await prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } })).status).toBe('processed');
    expect(postedTo('C0RERUN001')).toHaveLength(1);
    expect(codegen.received.filter(({ body }) => String(body.prompt).startsWith('is it everything'))).not.toHaveLength(
      0,
    );
  });

  it('is sent by the next run when a run ended with the task done but unanswered', async () => {
    const eventId = await insertAppMention('C0LATER001');
    await processor({ slackBotToken: null })(jobFor(eventId));
    const [task] = await prisma.workflowTask.findMany({ where: { eventId } });
    expect(task?.status).toBe('completed');
    expect(postedTo('C0LATER001')).toHaveLength(0);

    await diedBeforeProcessed(eventId);
    await processor({ slackBotToken: 'xoxb-test' })(jobFor(eventId));
    const answers = postedTo('C0LATER001');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.body).toMatchObject({ thread_ts: SLACK_APP_MENTION_EXAMPLE.event.ts });
    expect(String(answers[0]?.body.text)).toContain('https://codegen.example/runs/42');
  });

  it('refused by Slack (200 with ok: false) is recorded as a failed answer; the task and the event are done', async () => {
    const eventId = await insertAppMention(REFUSED_CHANNEL);
    await processor({ slackBotToken: 'xoxb-test' })(jobFor(eventId));
    expect(postedTo(REFUSED_CHANNEL)).toHaveLength(1);
    const event = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId }, include: { tasks: true } });
    expect(event.status).toBe('processed');
    expect(event.tasks.map((task) => task.status)).toEqual(['completed']);
    const answer = await prisma.sideEffect.findFirstOrThrow({ where: { eventId, kind: 'slack.reply' } });
    expect(answer).toMatchObject({ status: 'failed', error: expect.stringContaining('not_in_channel') });
  });
});
