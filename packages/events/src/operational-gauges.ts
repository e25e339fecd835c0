// What /metrics reports about the queues, the events and the database beyond "it answers": queue depths,
// dead letters, the oldest unfinished event and the pool's use. Read on request (a scrape), once per read,
// never on a timer.
import type { DatabaseClients, PrismaClient } from '@hookfleet/db';
import type { Metrics } from '@hookfleet/observability';
import { poolUse, queueDepths, type EventQueues } from '@hookfleet/queue';
import { oldestUnfinishedAgeByQueue } from './unfinished-age.js';

type Pool = DatabaseClients['pool'];

/** How long a scrape waits for a gauge's source; past it the gauge keeps its last value. */
const REFRESH_DEADLINE_MS = 2000;

function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Sets the gauges read from elsewhere, just before a scrape. Never fails and never waits long: a scrape that
 * failed while Redis or Postgres is down would take every other series (and the process's `up`) with it,
 * just when they matter. A source that does not answer in time keeps its last values and is counted.
 */
export async function refreshOperationalGauges(
  metrics: Metrics,
  sources: { queues?: Partial<EventQueues>; prisma?: PrismaClient; pool?: { pool: Pool; max: number } },
  deadlineMs = REFRESH_DEADLINE_MS,
): Promise<void> {
  if (sources.pool) {
    const use = poolUse(sources.pool.pool, sources.pool.max);
    metrics.databaseConnectionsActive.set(use.active);
    metrics.databaseConnectionsWaiting.set(use.waiting);
    metrics.databaseConnectionsMax.set(use.max);
  }
  const refresh = async (source: 'queues' | 'events', read: () => Promise<void>) => {
    try {
      await withinDeadline(read(), deadlineMs);
    } catch {
      metrics.scrapeRefreshErrors.inc({ source });
    }
  };
  const { queues, prisma } = sources;
  await Promise.all([
    queues &&
      refresh('queues', async () => {
        for (const [queue, states] of Object.entries(await queueDepths(queues))) {
          for (const [state, count] of Object.entries(states)) metrics.queueDepth.set({ queue, state }, count);
          metrics.dlqDepth.set({ queue }, states.failed ?? 0);
        }
      }),
    prisma &&
      refresh('events', async () => {
        const ages = await oldestUnfinishedAgeByQueue(prisma);
        for (const [queue, age] of Object.entries(ages)) metrics.oldestUnfinishedEventAge.set({ queue }, age);
      }),
  ]);
}
