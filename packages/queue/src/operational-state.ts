// What /health reports about the queues and the database beyond "it answers": queue depths, dead letters
// and the pool's use. Read on request (a probe), once per read, never on a timer.
import type { DatabaseClients } from '@hookfleet/db';
import { queueDepths, type EventQueues } from './queues.js';

type Pool = DatabaseClients['pool'];

/** A component's answer to /health (the HealthCheck result of @hookfleet/http). */
export interface ComponentState {
  status: 'healthy' | 'degraded';
  details: Record<string, unknown>;
}

export function poolUse(pool: Pool, max: number) {
  const active = pool.totalCount - pool.idleCount;
  return { active, idle: pool.idleCount, waiting: pool.waitingCount, max };
}

/** /health's database details: degraded while queries wait for a connection (the pool is exhausted). */
export function databaseReport(pool: Pool, max: number, ping: () => Promise<void>) {
  return async (): Promise<ComponentState> => {
    await ping();
    const use = poolUse(pool, max);
    return { status: use.waiting > 0 ? 'degraded' : 'healthy', details: { pool: use } };
  };
}

/** /health's queue details: degraded while any queue has more jobs waiting than `degradedAbove` (0: never). */
export function queueReport(queues: Partial<EventQueues>, degradedAbove: number) {
  return async (): Promise<ComponentState> => {
    const depths = await queueDepths(queues);
    const backlog = Object.entries(depths)
      .filter(([, states]) => degradedAbove > 0 && (states.waiting ?? 0) + (states.prioritized ?? 0) > degradedAbove)
      .map(([queue]) => queue);
    return {
      status: backlog.length > 0 ? 'degraded' : 'healthy',
      details: { depths, ...(backlog.length > 0 ? { backlog_above_threshold: backlog } : {}) },
    };
  };
}
