import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError, type Job } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPrismaClient, type Prisma, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createLogger, createMetrics } from '@hookfleet/observability';
import { RetryableError, type ForwardJobData } from '@hookfleet/queue';
import { createSecretBox, createSource, updateSource, type SourceDeps } from '@hookfleet/sources';
import { createForwardProcessor, forwardSideEffectKey } from './forward-event.js';

/** What the receiver got, and whether the signature verified with the secret the source was created with. */
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

let environment: TestEnvironment;
let prisma: PrismaClient;
let sourceDeps: SourceDeps;
let receiver: http.Server;
let receiverUrl: string;
let receiverSecret: string;
let received: Received[] = [];
let answer: { status: number; headers?: Record<string, string> } = { status: 200 };
let forwardSourceId: string;
let processForward: ReturnType<typeof createForwardProcessor>;
const box = createSecretBox(randomBytes(32).toString('base64'));

beforeAll(async () => {
  environment = await testEnvironment();
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 3 });
  sourceDeps = { prisma, box };

  receiver = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    let verified = true;
    try {
      new Webhook(receiverSecret).verify(body, req.headers as Record<string, string>);
    } catch {
      verified = false;
    }
    received.push({ headers: req.headers, body, verified });
    res.writeHead(answer.status, answer.headers).end();
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  const created = await createSource(sourceDeps, {
    provider: 'standard',
    name: 'forwarded',
    // The receiver is on loopback, so this source must opt in; the refusal without it is tested below.
    settings: { processing: { mode: 'forward', url: receiverUrl, allowPrivateNetwork: true, timeoutMs: 5000 } },
  });
  forwardSourceId = created.source.id;
  receiverSecret = created.forwardSigningSecret!;

  processForward = createForwardProcessor({
    prisma,
    box,
    logger: createLogger({ service: 'worker-test', level: 'silent' }),
    metrics: createMetrics('worker-test'),
  });
});

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  await prisma?.$disconnect();
  await environment?.cleanup();
});

beforeEach(() => {
  received = [];
  answer = { status: 200 };
});

async function insertEvent(
  sourceId: string,
  payload: Prisma.InputJsonObject,
  transformed?: Prisma.InputJsonObject,
): Promise<string> {
  const body = JSON.stringify(payload);
  const event = await prisma.webhookEvent.create({
    data: {
      provider: 'standard',
      sourceId,
      deliveryId: randomUUID(),
      eventType: String(payload.type ?? 'test.event'),
      headers: {},
      payload,
      transformed,
      bodySha256: createHash('sha256').update(body).digest('hex'),
      queue: 'default',
    },
  });
  return event.id;
}

/**
 * A plain object with the fields the processor reads, not a BullMQ job: each test picks attemptsMade
 * directly instead of driving BullMQ's retry loop, which is BullMQ's behaviour, not this processor's.
 */
function jobFor(eventId: string, attemptsMade = 0, generation = 0): Job<ForwardJobData> {
  return {
    id: `forward-${eventId}-g${generation}`,
    queueName: 'default',
    data: { eventId, generation },
    attemptsMade,
    opts: { attempts: 6 },
  } as unknown as Job<ForwardJobData>;
}

function sideEffectOf(eventId: string, generation = 0) {
  return prisma.sideEffect.findUniqueOrThrow({ where: { key: forwardSideEffectKey(eventId, generation) } });
}

function attemptsOf(eventId: string) {
  return prisma.forwardAttempt.findMany({ where: { eventId }, orderBy: { attempt: 'asc' } });
}

describe('forward processor', () => {
  it('delivers a signed event once, logs the attempt, and sends nothing when run again', async () => {
    const eventId = await insertEvent(forwardSourceId, { type: 'invoice.paid', amount: 42 });
    await processForward(jobFor(eventId));

    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery!.verified).toBe(true);
    expect(JSON.parse(delivery!.body)).toEqual({ type: 'invoice.paid', amount: 42 });
    expect(delivery!.headers).toMatchObject({
      'webhook-id': `${eventId}-g0`,
      'user-agent': 'Hookfleet-Forwarder',
      'content-type': 'application/json',
    });
    expect(await attemptsOf(eventId)).toMatchObject([
      { generation: 0, attempt: 1, url: receiverUrl, statusCode: 200, error: null },
    ]);
    expect(await sideEffectOf(eventId)).toMatchObject({ kind: 'forward', status: 'succeeded', attempts: 1, eventId });

    await processForward(jobFor(eventId));
    expect(received).toHaveLength(1);
    expect(await attemptsOf(eventId)).toHaveLength(1);
  });

  it('sends the transformed payload when the event has one', async () => {
    const eventId = await insertEvent(forwardSourceId, { type: 'raw' }, { kind: 'reshaped' });
    await processForward(jobFor(eventId));
    expect(received.map((delivery) => JSON.parse(delivery.body))).toEqual([{ kind: 'reshaped' }]);
  });

  it('fails a 500 as retryable, logs the failed attempt, and succeeds on the next attempt', async () => {
    const eventId = await insertEvent(forwardSourceId, { type: 'order.created' });
    answer = { status: 500 };
    const failure = await processForward(jobFor(eventId)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).not.toBeInstanceOf(UnrecoverableError);
    expect(await attemptsOf(eventId)).toMatchObject([
      { attempt: 1, statusCode: 500, error: expect.stringMatching(/500/) },
    ]);
    expect(await sideEffectOf(eventId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/500/) });

    answer = { status: 202 };
    await processForward(jobFor(eventId, 1));
    expect(await attemptsOf(eventId)).toMatchObject([
      { attempt: 1, statusCode: 500 },
      { attempt: 2, statusCode: 202, error: null },
    ]);
    expect(await sideEffectOf(eventId)).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    // Both attempts carry the same webhook-id, so a receiver that saw the first can drop the second.
    expect(new Set(received.map((delivery) => delivery.headers['webhook-id']))).toEqual(new Set([`${eventId}-g0`]));
  });

  it('fails a 400 permanently', async () => {
    const eventId = await insertEvent(forwardSourceId, { type: 'order.created' });
    answer = { status: 400 };
    await expect(processForward(jobFor(eventId))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await attemptsOf(eventId)).toMatchObject([{ attempt: 1, statusCode: 400 }]);
    expect(await sideEffectOf(eventId)).toMatchObject({ status: 'failed' });
  });

  it("retries a 429 after the receiver's Retry-After", async () => {
    const eventId = await insertEvent(forwardSourceId, { type: 'order.created' });
    answer = { status: 429, headers: { 'retry-after': '7' } };
    const failure = await processForward(jobFor(eventId)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetryableError);
    expect((failure as RetryableError).retryAfterMs).toBe(7000);
  });

  it('refuses a loopback target when the source does not allow private networks', async () => {
    // Saving such a target is refused (the sources tests); this is a row whose target turned private
    // after it was saved, as when a name starts resolving inside the network.
    await expect(
      createSource(sourceDeps, {
        provider: 'standard',
        name: 'strict',
        settings: { processing: { mode: 'forward', url: receiverUrl } },
      }),
    ).rejects.toThrow(/loopback/);
    const { source } = await createSource(sourceDeps, {
      provider: 'standard',
      name: 'strict',
      settings: { processing: { mode: 'forward', url: receiverUrl, allowPrivateNetwork: true } },
    });
    const row = await prisma.source.findUniqueOrThrow({ where: { id: source.id } });
    const settings = row.settings as { processing: Record<string, unknown> };
    await prisma.source.update({
      where: { id: source.id },
      data: { settings: { ...settings, processing: { ...settings.processing, allowPrivateNetwork: false } } },
    });
    const eventId = await insertEvent(source.id, { type: 'order.created' });
    await expect(processForward(jobFor(eventId))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(received).toHaveLength(0);
    expect(await attemptsOf(eventId)).toMatchObject([
      { statusCode: null, error: expect.stringMatching(/127\.0\.0\.1/) },
    ]);
  });

  it('does nothing once the source has left forward mode', async () => {
    const { source } = await createSource(sourceDeps, {
      provider: 'standard',
      name: 'switched-back',
      settings: { processing: { mode: 'forward', url: receiverUrl, allowPrivateNetwork: true } },
    });
    const eventId = await insertEvent(source.id, { type: 'order.created' });
    await updateSource(sourceDeps, source.id, { settings: { processing: { mode: 'store' } } });
    await processForward(jobFor(eventId));
    expect(received).toHaveLength(0);
    expect(await prisma.sideEffect.count({ where: { eventId } })).toBe(0);
  });
});
