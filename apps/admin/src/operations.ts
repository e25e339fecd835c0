// Long-running admin operations (bulk reprocess, bulk retry, dead-letter re-drive, retention cleanup) run
// as jobs on their own BullMQ queue, processed by the admin processes: the HTTP call answers 202 with the
// operation's id at once, and GET /api/v1/operations/:id shows its progress and outcome. The scheduled ones
// (daily retention, dead-letter re-drive, the reconciler) are job schedulers on the same queue, so one admin
// replica runs each turn; every admin re-creates them regularly, since Redis can lose them with its data.
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Prisma, type PrismaClient } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import type { Logger, Metrics } from '@hookfleet/observability';
import type { RecoveryResult } from '@hookfleet/github';
import { OPERATIONS_JOB_OPTIONS, OPERATIONS_QUEUE, QUEUE_NAMES, type QueueName } from '@hookfleet/queue';
import { FINISHED_EVENT_STATUSES, reconcileEvents, type DispatchDeps, type ReconcileResult } from '@hookfleet/events';
import { readSourceSetting } from '@hookfleet/sources';
import { z } from 'zod';
import { filterDate, prNumber } from './routes/shared.js';
import { retryDeadLetter } from './dead-letters.js';
import { eventFilterSchema, findEventIds } from './event-query.js';
import { reprocessEvent } from './reprocess-event.js';
import { retryTask } from './retry-task.js';

const RETENTION_SCHEDULER_ID = 'retention-daily';
export const REDRIVE_SCHEDULER_ID = 'dead-letter-redrive';
const RECONCILE_SCHEDULER_ID = 'reconcile';
const GITHUB_RECOVERY_SCHEDULER_ID = 'github-recover';
/** Kinds that keep their last run apart from the job history, for their status routes. */
type RecordedKind = 'reconcile' | 'github.recover';
const PAGE = 500;
const AT_ONCE = 8;
const DAY_MS = 24 * 3600_000;

export const taskFilterSchema = z
  .object({
    status: z.enum(['failed', 'dead']).default('dead'),
    task_type: z.string().min(1).optional(),
    repository: z.string().min(1).optional(),
    pr_number: prNumber.optional(),
    since: filterDate.optional(),
    until: filterDate.optional(),
  })
  .strict();

export const cleanupSchema = z
  .object({
    older_than_days: z.number().int().min(1).max(3650).optional(),
    /** Also delete dead and discarded events (and their dead-letter jobs); never unfinished ones. */
    include_dead: z.boolean().default(false),
  })
  .strict();

export const operationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('events.reprocess'), filter: eventFilterSchema }),
  z.object({ kind: z.literal('tasks.retry'), filter: taskFilterSchema }),
  z.object({ kind: z.literal('dead_letters.retry'), filter: eventFilterSchema }),
  z.object({ kind: z.literal('cleanup'), params: cleanupSchema }),
  /** Scheduled only: sources' automatic dead-letter retries (settings.deadLetterRedrive). */
  z.object({ kind: z.literal('dead_letters.redrive') }),
  /** Scheduled only: unfinished events whose job is gone or failed (see @hookfleet/events' reconcile.ts). */
  z.object({ kind: z.literal('reconcile') }),
  /** Scheduled, or on request: GitHub deliveries that failed and were never stored, redelivered. */
  z.object({ kind: z.literal('github.recover') }),
]);
export type Operation = z.infer<typeof operationSchema>;
type OperationData = Operation & { requestedBy: string };

export interface Progress {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  /** The first few refusals, to say why items were skipped. */
  errors: string[];
}

export interface OperationsDeps extends DispatchDeps {
  logger: Logger;
  metrics: Metrics;
  retentionDays: number;
  /** How often the scheduled dead-letter re-drive looks for due events. */
  redriveScanMs: number;
  reconcile: { intervalMs: number; staleAfterMs: number; batchSize: number };
  /** Missed-delivery recovery, when hooks and credentials are configured. */
  githubRecovery: { intervalMs: number; run: () => Promise<RecoveryResult> } | null;
  /** How often each admin re-creates the schedulers (Redis may have lost them). */
  schedulerCheckMs: number;
}

/** A recorded kind's last run, as its status route shows it. */
export type LastRun<Result> = Result & { finishedAt: string; durationMs: number };

export interface Operations {
  start(operation: Operation, requestedBy: string): Promise<string>;
  get(id: string): Promise<Job<OperationData> | undefined>;
  lastReconcile(): Promise<LastRun<ReconcileResult> | null>;
  lastGithubRecovery(): Promise<LastRun<RecoveryResult> | null>;
  close(): Promise<void>;
}

export async function startOperations(
  deps: OperationsDeps,
  connections: { producer: Redis; worker: Redis; prefix: string },
): Promise<Operations> {
  const queue = new Queue<OperationData>(OPERATIONS_QUEUE, {
    connection: connections.producer,
    prefix: connections.prefix,
    defaultJobOptions: OPERATIONS_JOB_OPTIONS,
  });
  queue.on('error', (error) => deps.logger.warn('operations queue error', { error: error.message }));
  const schedulers = [
    {
      id: RETENTION_SCHEDULER_ID,
      repeat: { pattern: '0 3 * * *' },
      data: { kind: 'cleanup', params: { include_dead: false } } as const,
    },
    {
      id: REDRIVE_SCHEDULER_ID,
      repeat: { every: deps.redriveScanMs },
      data: { kind: 'dead_letters.redrive' } as const,
    },
    { id: RECONCILE_SCHEDULER_ID, repeat: { every: deps.reconcile.intervalMs }, data: { kind: 'reconcile' } as const },
    ...(deps.githubRecovery
      ? [
          {
            id: GITHUB_RECOVERY_SCHEDULER_ID,
            repeat: { every: deps.githubRecovery.intervalMs },
            data: { kind: 'github.recover' } as const,
          },
        ]
      : []),
  ];
  // Upserting is idempotent: the same schedulers, whichever admin and however often.
  const ensureSchedulers = async () => {
    for (const scheduler of schedulers) {
      await queue.upsertJobScheduler(scheduler.id, scheduler.repeat, {
        name: scheduler.data.kind,
        data: { ...scheduler.data, requestedBy: 'schedule' },
        // A scheduler's turns need no history beyond the last few (the reconciler's last run is kept apart).
        opts: { removeOnComplete: { count: 10 } },
      });
    }
  };
  await ensureSchedulers();
  const schedulerCheck = setInterval(() => {
    ensureSchedulers().catch((error: unknown) => deps.logger.warn('re-creating the schedulers failed', { error }));
  }, deps.schedulerCheckMs);
  schedulerCheck.unref();

  const lastRunKey = (kind: RecordedKind) => `${connections.prefix}:${OPERATIONS_QUEUE}:last:${kind}`;
  const recorded = async <Result>(kind: RecordedKind, run: () => Promise<Result>): Promise<LastRun<Result>> => {
    const started = performance.now();
    const result = await run();
    const last = {
      ...result,
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
    };
    await connections.producer.set(lastRunKey(kind), JSON.stringify(last));
    return last;
  };
  const readLastRun = async <Result>(kind: RecordedKind): Promise<LastRun<Result> | null> => {
    const stored = await connections.producer.get(lastRunKey(kind));
    return stored ? (JSON.parse(stored) as LastRun<Result>) : null;
  };

  const reconcile = () =>
    recorded('reconcile', async () => {
      const cursorKey = `${connections.prefix}:${OPERATIONS_QUEUE}:reconcile-cursor`;
      const afterSequence = await connections.producer.get(cursorKey);
      const result = await reconcileEvents(deps, { ...deps.reconcile, afterSequence });
      if (result.nextAfterSequence) await connections.producer.set(cursorKey, result.nextAfterSequence);
      else await connections.producer.del(cursorKey);
      deps.metrics.reconcilerRuns.inc();
      deps.metrics.reconcilerEvents.inc({ action: 'queued' }, result.queued);
      deps.metrics.reconcilerEvents.inc({ action: 'requeued' }, result.requeued);
      deps.metrics.reconcilerEvents.inc({ action: 'marked_dead' }, result.markedDead);
      if (result.queued + result.requeued + result.markedDead > 0) deps.logger.warn('reconciler acted', { ...result });
      return result;
    });

  const recoverFromGithub = (recovery: NonNullable<OperationsDeps['githubRecovery']>) =>
    recorded('github.recover', async () => {
      const result = await recovery.run();
      deps.metrics.githubRecovery.inc({ outcome: 'missing' }, result.missing);
      deps.metrics.githubRecovery.inc({ outcome: 'redelivered' }, result.redelivered);
      deps.metrics.githubRecovery.inc({ outcome: 'expired' }, result.expired);
      deps.metrics.githubRecovery.inc({ outcome: 'given_up' }, result.givenUp);
      if (result.redelivered + result.errors.length > 0)
        deps.logger.warn('missed-delivery recovery acted', { ...result });
      return result;
    });

  const processOperation = (job: Job<OperationData>) => {
    if (job.data.kind === 'reconcile') return reconcile();
    if (job.data.kind === 'github.recover') {
      if (!deps.githubRecovery) throw new AppError('github_recovery_off', 'no hooks to recover are configured');
      return recoverFromGithub(deps.githubRecovery);
    }
    return runOperation(deps, job);
  };

  const worker = new Worker<OperationData>(OPERATIONS_QUEUE, processOperation, {
    connection: connections.worker,
    prefix: connections.prefix,
    concurrency: 1,
  });
  worker.on('error', (error) => deps.logger.error('operations worker error', { error: error.message }));
  return {
    async start(operation, requestedBy) {
      const job = await queue.add(operation.kind, { ...operation, requestedBy }, { attempts: 1 });
      return job.id!;
    },
    get: (id) => queue.getJob(id),
    lastReconcile: () => readLastRun<ReconcileResult>('reconcile'),
    lastGithubRecovery: () => readLastRun<RecoveryResult>('github.recover'),
    async close() {
      clearInterval(schedulerCheck);
      await worker.close();
      await queue.close();
    },
  };
}

async function runOperation(deps: OperationsDeps, job: Job<OperationData>): Promise<Progress> {
  const progress: Progress = { total: 0, done: 0, skipped: 0, failed: 0, errors: [] };
  const report = () => job.updateProgress({ ...progress });
  /** One item: done, or skipped with the reason when the API would have refused it (409), or failed. */
  const attempt = async (item: () => Promise<unknown>) => {
    try {
      await item();
      progress.done++;
    } catch (error) {
      const refused = error instanceof AppError && error.status < 500;
      if (refused) progress.skipped++;
      else progress.failed++;
      if (progress.errors.length < 10) progress.errors.push(error instanceof Error ? error.message : String(error));
    }
  };
  const inBatches = async <T>(items: T[], each: (item: T) => Promise<unknown>) => {
    for (let i = 0; i < items.length; i += AT_ONCE) {
      await Promise.all(items.slice(i, i + AT_ONCE).map((item) => attempt(() => each(item))));
    }
    await report();
  };
  const data = job.data;

  switch (data.kind) {
    case 'events.reprocess':
    case 'dead_letters.retry': {
      const filter = data.kind === 'dead_letters.retry' ? { ...data.filter, status: 'dead' as const } : data.filter;
      // Collect first: reprocessing changes what the filter matches (statuses, sequence order).
      const ids = await allEventIds(deps.prisma, filter);
      progress.total = ids.length;
      await report();
      if (data.kind === 'events.reprocess') {
        await inBatches(ids, (id) => reprocessEvent(deps, id));
      } else {
        const events = await deps.prisma.webhookEvent.findMany({
          where: { id: { in: ids } },
          select: { queue: true, jobId: true },
        });
        await inBatches(events, (event) => {
          if (!event.jobId) throw new AppError('no_job', 'the event has no job to retry');
          return retryDeadLetter(deps, event.queue as QueueName, event.jobId);
        });
      }
      return progress;
    }
    case 'tasks.retry': {
      const { filter } = data;
      const tasks = await deps.prisma.workflowTask.findMany({
        where: {
          status: filter.status,
          taskType: filter.task_type,
          repository: filter.repository,
          prNumber: filter.pr_number,
          createdAt: { gte: filter.since, lt: filter.until },
        },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
      });
      progress.total = tasks.length;
      await report();
      await inBatches(tasks, (task) => retryTask(deps, task.id));
      return progress;
    }
    case 'cleanup':
      return cleanup(deps, data.params, progress, report);
    case 'dead_letters.redrive':
      return redrive(deps, progress, attempt);
    case 'reconcile':
    case 'github.recover':
      throw new Error(`${data.kind} runs apart from the other operations`);
  }
}

/**
 * Sources with settings.deadLetterRedrive: their dead events, dead for at least `afterSeconds` and
 * re-driven fewer than `maxRedrives` times, are retried once more. The count is claimed before the retry
 * (conditional on its old value), so two admin replicas cannot re-drive one event twice for one turn.
 */
async function redrive(
  deps: OperationsDeps,
  progress: Progress,
  attempt: (item: () => Promise<unknown>) => Promise<void>,
): Promise<Progress> {
  const sources = await deps.prisma.source.findMany({ where: { enabled: true }, select: { id: true, settings: true } });
  for (const source of sources) {
    const policy = readSourceSetting(source.settings, 'deadLetterRedrive');
    if (!policy) continue;
    const due = await deps.prisma.webhookEvent.findMany({
      where: {
        sourceId: source.id,
        status: 'dead',
        redrives: { lt: policy.maxRedrives },
        updatedAt: { lte: new Date(Date.now() - policy.afterSeconds * 1000) },
        jobId: { not: null },
      },
      select: { id: true, queue: true, jobId: true, redrives: true },
      take: PAGE,
    });
    progress.total += due.length;
    for (const event of due) {
      await attempt(async () => {
        const claimed = await deps.prisma.webhookEvent.updateMany({
          where: { id: event.id, redrives: event.redrives, status: 'dead' },
          data: { redrives: { increment: 1 } },
        });
        if (claimed.count === 0) throw new AppError('redrive_raced', 'another re-drive took this event');
        await retryDeadLetter(deps, event.queue as QueueName, event.jobId!);
      });
    }
  }
  return progress;
}

async function allEventIds(prisma: PrismaClient, filter: z.infer<typeof eventFilterSchema>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: bigint | undefined;
  for (;;) {
    const page = await findEventIds(prisma, filter, { limit: PAGE, cursor });
    ids.push(...page.ids);
    if (!page.nextCursor) return ids;
    cursor = BigInt(page.nextCursor);
  }
}

/**
 * Retention: deletes finished events (processed; also dead and discarded when asked) delivered before the
 * cutoff, with their tasks, executions, forward attempts and side-effect records, and BullMQ's completed
 * jobs as old. Events still on their way (received, queued, processing, failed) are never touched.
 */
async function cleanup(
  deps: OperationsDeps,
  params: z.infer<typeof cleanupSchema>,
  progress: Progress,
  report: () => Promise<void>,
): Promise<Progress> {
  const days = params.older_than_days ?? deps.retentionDays;
  const cutoff = new Date(Date.now() - days * DAY_MS);
  const statuses = params.include_dead ? FINISHED_EVENT_STATUSES : ['processed'];
  const statusList = Prisma.join(statuses.map((status) => Prisma.sql`${status}::"EventStatus"`));
  for (;;) {
    const deleted = await deps.prisma.$queryRaw<Array<{ id: string; queue: string; job_id: string | null }>>`
      DELETE FROM webhook_events WHERE id IN (
        SELECT id FROM webhook_events WHERE received_at < ${cutoff} AND status IN (${statusList}) LIMIT ${PAGE}
      ) RETURNING id::text AS id, queue, job_id`;
    if (deleted.length === 0) break;
    await deps.prisma.sideEffect.deleteMany({ where: { eventId: { in: deleted.map((row) => row.id) } } });
    if (params.include_dead) {
      await Promise.all(
        deleted
          .filter((row) => row.job_id && (QUEUE_NAMES as readonly string[]).includes(row.queue))
          .map(async (row) => (await deps.queues[row.queue as QueueName].getJob(row.job_id!))?.remove()),
      );
    }
    progress.total += deleted.length;
    progress.done += deleted.length;
    await report();
  }
  for (const name of QUEUE_NAMES) await deps.queues[name].clean(days * DAY_MS, 10_000, 'completed');
  return progress;
}
