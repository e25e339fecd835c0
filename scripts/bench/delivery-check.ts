// Delivery accounting: every delivery answered 202 must have its row, and every row its job. A benchmark
// that loses deliveries would overstate what the server accepts.
import { setTimeout as sleep } from 'node:timers/promises';
import { eventJobId } from '@hookfleet/queue';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { BENCH_HOOK_ID, type DeliveryTracker } from './load.js';

export interface DeliveryCheck {
  accepted: number;
  rows: number;
  rowsWithoutJob: number;
  rowsOfCutOff: number;
  cutOff: number;
  rowsOfOtherAnswers: number;
  rowsOfAccepted: number;
  ok: boolean;
}

/** Where the target puts its jobs. */
export interface JobLocation {
  redisUrl: string;
  queuePrefix: string;
}

const countRows = async (sql: pg.Pool, hookId: string, where = 'true', params: unknown[] = []) => {
  const { rows } = await sql.query<{ count: string }>(
    `SELECT count(*) AS count FROM webhook_events WHERE hook_id = $1 AND ${where}`,
    [hookId, ...params],
  );
  return Number(rows[0]?.count ?? 0);
};

/** Requests cut off at the end may still be finishing in the server: wait until the table stops changing. */
async function waitForQuiet(sql: pg.Pool, hookId: string): Promise<void> {
  let last = '';
  let quietSince = Date.now();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const state = `${await countRows(sql, hookId)}/${await countRows(sql, hookId, `status = 'received'`)}`;
    if (state !== last) {
      last = state;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 1000) {
      return;
    }
    await sleep(200);
  }
  console.warn('  (webhook_events was still changing after 30 s; counting anyway)');
}

/**
 * Rows whose job is not in Redis. A row names its queue, and its job id once it has one; the reference
 * pipelines leave job_id empty and use the event id's job id, as Hookfleet does. No worker runs during the
 * load, so every job is still there.
 */
async function rowsWithoutJob(sql: pg.Pool, jobs: JobLocation, hookId: string): Promise<number> {
  const { rows } = await sql.query<{ id: string; queue: string; job_id: string | null }>(
    'SELECT id, queue, job_id FROM webhook_events WHERE hook_id = $1',
    [hookId],
  );
  const redis = new Redis(jobs.redisUrl);
  try {
    const pipeline = redis.pipeline();
    for (const row of rows) pipeline.exists(`${jobs.queuePrefix}:${row.queue}:${row.job_id ?? eventJobId(row.id)}`);
    const answers = (await pipeline.exec()) ?? [];
    return answers.filter(([error, exists]) => error || exists !== 1).length;
  } finally {
    redis.disconnect();
  }
}

/**
 * autocannon ends a run by destroying its connections, so up to one request per connection is cut off
 * unanswered, and the server may still have stored it: those rows are counted apart. Only rows with the
 * benchmark's hook id count (a configured source's rows: its id), and every delivery id is new, so each
 * such row belongs to exactly one of: answered 202, answered otherwise, cut off.
 */
export async function checkDeliveries(
  sql: pg.Pool,
  tracker: DeliveryTracker,
  jobs: JobLocation,
  hookId = BENCH_HOOK_ID,
): Promise<DeliveryCheck> {
  await waitForQuiet(sql, hookId);
  const rows = await countRows(sql, hookId);
  const withoutJob = await rowsWithoutJob(sql, jobs, hookId);
  const rowsOf = (ids: Iterable<string>) => countRows(sql, hookId, 'delivery_id = ANY($2::text[])', [[...ids]]);
  const rowsOfCutOff = await rowsOf(tracker.unanswered);
  const rowsOfOtherAnswers = await rowsOf(tracker.otherAnswers.keys());
  const rowsOfAccepted = rows - rowsOfCutOff - rowsOfOtherAnswers;
  return {
    accepted: tracker.accepted,
    rows,
    rowsWithoutJob: withoutJob,
    rowsOfCutOff,
    cutOff: tracker.unanswered.size,
    rowsOfOtherAnswers,
    rowsOfAccepted,
    ok: rowsOfAccepted === tracker.accepted && withoutJob === 0,
  };
}

export function describeCheck(label: string, check: DeliveryCheck): string[] {
  const integer = (value: number) => Math.round(value).toLocaleString('en-US');
  const row = (name: string, value: number, note = '') =>
    `  ${name.padEnd(34)}${integer(value).padStart(9)}${note ? `  ${note}` : ''}`;
  return [
    `${label} deliveries (warm-up + measured):`,
    row('202 answers', check.accepted),
    row('webhook_events rows', check.rows),
    row(
      '  of deliveries answered 202',
      check.rowsOfAccepted,
      check.rowsOfAccepted === check.accepted ? 'ok: = 202 answers' : 'MISMATCH',
    ),
    row('  of requests cut off at the end', check.rowsOfCutOff, `of ${check.cutOff} in flight when the load stopped`),
    ...(check.rowsOfOtherAnswers > 0 ? [row('  of deliveries answered non-202', check.rowsOfOtherAnswers)] : []),
    row('rows without their job in Redis', check.rowsWithoutJob, check.rowsWithoutJob === 0 ? 'ok' : 'NOT QUEUED'),
    check.ok
      ? '  Every 202 has its stored row, and every stored row its job.'
      : '  DELIVERIES LOST: the figures above overstate what the server accepts.',
  ];
}
