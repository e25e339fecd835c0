// B, the naive durable pipeline (the reference a first implementation would be): Express + HMAC, one Prisma
// create of the webhook_events row, one BullMQ Queue.add with the event id, and 202 after both.
import { createServer } from 'node:http';
import { createPrismaClient, type Prisma } from '@hookfleet/db';
import { EVENT_JOB_NAME, createRedisConnection, eventJobId, waitUntilReady } from '@hookfleet/queue';
import { Queue } from 'bullmq';
import { PULL_REQUEST_QUEUE, WEBHOOK_PATH } from '../protocol.js';
import { eventRowOf } from './event-row.js';
import { loadExpress, type ErrorHandler, type Handler } from './express.js';
import { closeServer, listenOnLoopback, reportFailure, type RunningServer } from './running-server.js';
import { signatureMatches } from './signature.js';

export interface PipelineConfig {
  secret: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
}

export async function startNaivePipeline(config: PipelineConfig): Promise<RunningServer> {
  const prisma = createPrismaClient(config.databaseUrl);
  const redis = createRedisConnection(config.redisUrl, 'producer');
  await waitUntilReady(redis);
  const queue = new Queue(PULL_REQUEST_QUEUE, { connection: redis, prefix: config.queuePrefix });

  const receive: Handler = async (req, res) => {
    if (!Buffer.isBuffer(req.body) || !signatureMatches(config.secret, req.body, req.headers['x-hub-signature-256'])) {
      res.status(401).json({ error: 'invalid signature' });
      return;
    }
    const row = eventRowOf(req.headers, req.body);
    await prisma.webhookEvent.create({
      data: {
        id: row.id,
        provider: row.provider,
        hookId: row.hookId,
        deliveryId: row.deliveryId,
        eventType: row.eventType,
        action: row.action,
        repository: row.repository,
        sender: row.sender,
        headers: row.headers,
        payload: row.payload as Prisma.InputJsonObject,
        rawBody: new Uint8Array(row.rawBody),
        bodySha256: row.bodySha256,
        normalized: row.normalized as Prisma.InputJsonObject,
        validation: row.validation,
        queue: row.queue,
        workflowKey: row.workflowKey,
      },
      select: { id: true },
    });
    await queue.add(EVENT_JOB_NAME, { eventId: row.id }, { jobId: eventJobId(row.id) });
    res.status(202).json({ status: 'accepted', event_id: row.id });
  };
  const answerFailure: ErrorHandler = (error, _req, res) => {
    reportFailure('naive-pipeline', error);
    res.status(500).json({ error: 'internal' });
  };

  const express = loadExpress();
  const app = express();
  app.post(WEBHOOK_PATH, express.raw({ type: 'application/json', limit: '25mb' }), receive);
  app.use(answerFailure);
  const server = createServer(app);
  return {
    url: await listenOnLoopback(server),
    async stop() {
      await closeServer(server);
      await queue.close();
      redis.disconnect(); // BullMQ leaves a connection it was given open
      await prisma.$disconnect();
    },
  };
}
