// L, the leanest durable ingest: node:http + HMAC + plain node-postgres. Deliveries that arrive within 2 ms
// of each other (at most 16) share one multi-row INSERT and one addBulk, and each is answered 202 only once
// its row is committed and its job added. (Larger batches were slower in the field notes: requests fall into
// lockstep behind one long insert.)
import { createServer, type ServerResponse } from 'node:http';
import { EVENT_JOB_NAME, createRedisConnection, eventJobId, waitUntilReady } from '@hookfleet/queue';
import { Queue } from 'bullmq';
import pg from 'pg';
import { PULL_REQUEST_QUEUE } from '../protocol.js';
import { eventRowOf, type EventRow } from './event-row.js';
import { createGroupCommit } from './group-commit.js';
import type { PipelineConfig } from './naive-pipeline.js';
import { closeServer, listenOnLoopback, readBody, reportFailure, type RunningServer } from './running-server.js';
import { signatureMatches } from './signature.js';

const GATHER_MS = 2;
const MAX_ROWS = 16;

const COLUMNS = [
  'id',
  'provider',
  'hook_id',
  'delivery_id',
  'event_type',
  'action',
  'repository',
  'sender',
  'headers',
  'payload',
  'raw_body',
  'body_sha256',
  'normalized',
  'validation',
  'queue',
  'workflow_key',
] as const;

const valuesOf = (row: EventRow): unknown[] => [
  row.id,
  row.provider,
  row.hookId,
  row.deliveryId,
  row.eventType,
  row.action,
  row.repository,
  row.sender,
  JSON.stringify(row.headers),
  row.payloadText,
  row.rawBody,
  row.bodySha256,
  JSON.stringify(row.normalized),
  JSON.stringify(row.validation),
  row.queue,
  row.workflowKey,
];

/** `($1, $2, ...), ($17, ...)` for `rows` rows of COLUMNS. */
function placeholders(rows: number): string {
  return Array.from(
    { length: rows },
    (_, row) => `(${COLUMNS.map((_, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`,
  ).join(', ');
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startLeanIngest(config: PipelineConfig): Promise<RunningServer> {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10, connectionTimeoutMillis: 3000 });
  const redis = createRedisConnection(config.redisUrl, 'producer');
  await waitUntilReady(redis);
  const queue = new Queue(PULL_REQUEST_QUEUE, { connection: redis, prefix: config.queuePrefix });

  /** Stores a batch (a delivery id seen before is skipped) and queues what was new; true per new row. */
  const storeAndQueue = createGroupCommit<EventRow, boolean>({
    gatherMs: GATHER_MS,
    maxItems: MAX_ROWS,
    async commit(rows) {
      const inserted = await pool.query<{ id: string }>(
        `INSERT INTO webhook_events (${COLUMNS.join(', ')}) VALUES ${placeholders(rows.length)}
         ON CONFLICT (provider, hook_id, delivery_id) DO NOTHING RETURNING id`,
        rows.flatMap(valuesOf),
      );
      const stored = new Set(inserted.rows.map((row) => row.id));
      const jobs = rows
        .filter((row) => stored.has(row.id))
        .map((row) => ({ name: EVENT_JOB_NAME, data: { eventId: row.id }, opts: { jobId: eventJobId(row.id) } }));
      if (jobs.length > 0) await queue.addBulk(jobs);
      return rows.map((row) => stored.has(row.id));
    },
  });

  const server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        if (!signatureMatches(config.secret, body, req.headers['x-hub-signature-256'])) {
          answer(res, 401, { error: 'invalid signature' });
          return;
        }
        let row: EventRow;
        try {
          row = eventRowOf(req.headers, body);
        } catch {
          answer(res, 400, { error: 'body is not JSON' });
          return;
        }
        const isNew = await storeAndQueue(row);
        answer(res, isNew ? 202 : 200, { status: isNew ? 'accepted' : 'duplicate' });
      })
      .catch((error: unknown) => {
        reportFailure('lean-ingest', error);
        answer(res, 500, { error: 'internal' });
      });
  });
  return {
    url: await listenOnLoopback(server),
    async stop() {
      await closeServer(server);
      await queue.close();
      redis.disconnect(); // BullMQ leaves a connection it was given open
      await pool.end();
    },
  };
}
