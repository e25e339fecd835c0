// An outage of the database is nobody's fault but the infrastructure's, so it must not use up the event's
// attempts: a job whose run hit one is handed back to BullMQ's delayed set (no attempt counted) and runs
// again when the delay is over, as often as the outage lasts. What the run had done is safe to repeat (the
// run is fenced, calls are in the side-effect ledger), and what it could not write, the next run writes.
import { DelayedError, type Job } from 'bullmq';
import { isDatabaseUnavailable } from '@hookfleet/db';
import type { Logger, Metrics } from '@hookfleet/observability';

export function waitOutDatabaseOutages<Data, Result>(
  processor: (job: Job<Data>, token?: string) => Promise<Result>,
  deps: { logger: Logger; metrics: Metrics; retryDelayMs: number },
): (job: Job<Data>, token?: string) => Promise<Result> {
  return async (job, token) => {
    try {
      return await processor(job, token);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      deps.metrics.outageWaits.inc({ queue: job.queueName, dependency: 'database' });
      deps.logger.warn('database unreachable: job handed back without using an attempt', {
        queue: job.queueName,
        job_id: job.id,
        retry_in_ms: deps.retryDelayMs,
        error,
      });
      await job.moveToDelayed(Date.now() + deps.retryDelayMs, token);
      throw new DelayedError();
    }
  };
}
