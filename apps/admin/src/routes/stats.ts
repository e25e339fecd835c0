// Operator statistics: totals by status and type, average processing time, queue depths (the failed
// count is the dead-letter queue's depth), and the last 24 hours' activity and error rates.
import type { RequestHandler } from 'express';
import type { PrismaClient } from '@hookfleet/db';
import { queueDepths, type EventQueues } from '@hookfleet/queue';
import { FAILED_EVENT_STATUSES, oldestUnfinishedAgeSeconds, UNFINISHED_EVENT_STATUSES } from '@hookfleet/events';
import type { Operations } from '../operations.js';

const DAY_MS = 24 * 3600_000;

const countsBy = <Key extends string>(rows: Array<Record<Key, string> & { _count: { _all: number } }>, key: Key) =>
  Object.fromEntries(rows.map((row) => [row[key], row._count._all]));

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100);

export function statsHandlers(deps: {
  prisma: PrismaClient;
  queues: EventQueues;
  operations: Operations;
}): Record<'reconciler' | 'totals' | 'lastDay', RequestHandler> {
  const { prisma } = deps;

  // The reconciler's last run, and what is unfinished now.
  const reconciler: RequestHandler = async (_req, res) => {
    const [lastRun, oldest, unfinished] = await Promise.all([
      deps.operations.lastReconcile(),
      oldestUnfinishedAgeSeconds(prisma),
      prisma.webhookEvent.groupBy({
        by: ['status'],
        where: { status: { in: [...UNFINISHED_EVENT_STATUSES] } },
        _count: { _all: true },
      }),
    ]);
    res.json({
      last_run: lastRun && {
        finished_at: lastRun.finishedAt,
        duration_ms: lastRun.durationMs,
        checked: lastRun.checked,
        queued: lastRun.queued,
        requeued: lastRun.requeued,
        marked_dead: lastRun.markedDead,
      },
      oldest_unfinished_age_seconds: oldest,
      unfinished_by_status: countsBy(unfinished, 'status'),
    });
  };

  const totals: RequestHandler = async (_req, res) => {
    const [eventsByStatus, eventsByType, tasksByStatus, tasksByType, executions, processing, depths] =
      await Promise.all([
        prisma.webhookEvent.groupBy({ by: ['status'], _count: { _all: true } }),
        prisma.webhookEvent.groupBy({ by: ['eventType'], _count: { _all: true } }),
        prisma.workflowTask.groupBy({ by: ['status'], _count: { _all: true } }),
        prisma.workflowTask.groupBy({ by: ['taskType'], _count: { _all: true } }),
        prisma.taskExecution.count(),
        prisma.$queryRaw<Array<{ avg_ms: number | null }>>`
          SELECT avg(extract(epoch FROM processed_at - received_at) * 1000)::float8 AS avg_ms
          FROM webhook_events WHERE processed_at IS NOT NULL`,
        queueDepths(deps.queues),
      ]);
    const sum = (rows: Array<{ _count: { _all: number } }>) => rows.reduce((total, row) => total + row._count._all, 0);
    res.json({
      webhook_events_total: sum(eventsByStatus),
      workflow_tasks_total: sum(tasksByStatus),
      task_executions_total: executions,
      events_by_status: countsBy(eventsByStatus, 'status'),
      events_by_type: countsBy(eventsByType, 'eventType'),
      tasks_by_status: countsBy(tasksByStatus, 'status'),
      tasks_by_type: countsBy(tasksByType, 'taskType'),
      avg_processing_time_ms:
        processing[0]?.avg_ms === null || processing[0] === undefined ? null : Math.round(processing[0].avg_ms),
      queues: depths,
    });
  };

  const lastDay: RequestHandler = async (_req, res) => {
    const since = new Date(Date.now() - DAY_MS);
    const [webhooks, failedWebhooks, tasks, failedTasks] = await Promise.all([
      prisma.webhookEvent.count({ where: { receivedAt: { gte: since } } }),
      prisma.webhookEvent.count({ where: { receivedAt: { gte: since }, status: { in: [...FAILED_EVENT_STATUSES] } } }),
      prisma.workflowTask.count({ where: { createdAt: { gte: since } } }),
      prisma.workflowTask.count({ where: { createdAt: { gte: since }, status: { in: ['failed', 'dead'] } } }),
    ]);
    res.json({
      since,
      recent_activity: { webhooks_24h: webhooks, tasks_24h: tasks },
      error_rates: {
        failed_webhooks_24h: failedWebhooks,
        failed_tasks_24h: failedTasks,
        webhook_error_rate: percent(failedWebhooks, webhooks),
        task_error_rate: percent(failedTasks, tasks),
      },
    });
  };

  return { reconciler, totals, lastDay };
}
