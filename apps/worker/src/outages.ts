// An outage of the database is nobody's fault but the infrastructure's, so it must not use up the event's
// attempts: a job whose run hit one is handed back to BullMQ's delayed set (no attempt counted) and runs
// again when the delay is over, as often as the outage lasts, up to a bound: a job that has waited out
// "outages" for longer than maxWaitMs (a query that is slow rather than a database that is away) fails
// as any other failure would. What the run had done is safe to repeat (the run is fenced, calls are in the
// side-effect ledger), and what it could not write, the next run writes.
import { DelayedError, type Job } from 'bullmq';
import { isDatabaseUnavailable } from '@hookfleet/db';
import type { Logger, Metrics } from '@hookfleet/observability';

/** Kept in the job's data while it waits out an outage: when its first wait began. */
interface OutageMark {
  outageSince?: number;
}

export function waitOutDatabaseOutages<Data, Result>(
  processor: (job: Job<Data>, token?: string) => Promise<Result>,
  deps: { logger: Logger; metrics: Metrics; retryDelayMs: number; maxWaitMs: number },
): (job: Job<Data>, token?: string) => Promise<Result> {
  return async (job, token) => {
    const { outageSince } = job.data as OutageMark;
    try {
      const result = await processor(job, token);
      if (outageSince !== undefined) await job.updateData({ ...job.data, outageSince: undefined });
      return result;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const since = outageSince ?? Date.now();
      if (Date.now() - since > deps.maxWaitMs) throw error; // an attempt, like any other failure
      deps.metrics.outageWaits.inc({ queue: job.queueName, dependency: 'database' });
      deps.logger.warn('database unreachable: job handed back without using an attempt', {
        queue: job.queueName,
        job_id: job.id,
        retry_in_ms: deps.retryDelayMs,
        waiting_since: new Date(since).toISOString(),
        error,
      });
      if (outageSince === undefined) await job.updateData({ ...job.data, outageSince: since });
      await job.moveToDelayed(Date.now() + deps.retryDelayMs, token);
      throw new DelayedError();
    }
  };
}
