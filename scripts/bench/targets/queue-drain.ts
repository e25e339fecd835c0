// D: BullMQ alone, the ceiling under every worker: a raw Worker with a no-op processor, in a process of its
// own at the worker fleet's concurrency, draining a queue filled beforehand with id-only jobs (the shape of
// Hookfleet's jobs: the event id in the data, the same job ids and removeOnComplete).
import { randomUUID } from 'node:crypto';
import { EVENT_JOB_NAME, eventJobId } from '@hookfleet/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startTargetProcess } from '../child-process.js';
import { LABEL_WIDTH, progress, type BenchContext } from '../context.js';
import { interruptibleSleep, throwIfInterrupted } from '../interruption.js';
import type { Measurement } from '../measurement.js';
import { openWindow } from '../process-stats.js';
import { PULL_REQUEST_QUEUE } from '../protocol.js';

const NOOP_WORKER_ENTRY = new URL('../noop-worker.ts', import.meta.url);
const FILL_BATCH = 1000;

async function fillQueue(queue: Queue, jobs: number): Promise<void> {
  for (let added = 0; added < jobs; added += FILL_BATCH) {
    throwIfInterrupted();
    await queue.addBulk(
      Array.from({ length: Math.min(FILL_BATCH, jobs - added) }, () => {
        const eventId = randomUUID();
        return {
          name: EVENT_JOB_NAME,
          data: { eventId },
          opts: { jobId: eventJobId(eventId), removeOnComplete: { age: 24 * 3600, count: 10_000 } },
        };
      }),
    );
  }
}

export async function measureQueueDrain(context: BenchContext): Promise<Measurement> {
  const { options, environment } = context;
  const label = `no-op BullMQ Worker, concurrency ${options.workerConcurrency}`;
  const queuePrefix = environment.queuePrefix('D');
  progress(
    `  ${'D'.padEnd(10)} ${label.padEnd(LABEL_WIDTH)} filling ${options.drainJobs.toLocaleString('en-US')} jobs ... `,
  );
  const connection = new Redis(environment.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(PULL_REQUEST_QUEUE, { connection, prefix: queuePrefix });
  try {
    await fillQueue(queue, options.drainJobs);
    progress(`warm-up ${options.warmup} s ... `);
    const worker = await startTargetProcess(NOOP_WORKER_ENTRY, [], {
      REDIS_URL: environment.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      WORKER_CONCURRENCY: String(options.workerConcurrency),
    });
    try {
      await interruptibleSleep(options.warmup * 1000);
      progress(`measuring ${options.duration} s ... `);
      const window = openWindow([{ name: 'worker', pid: worker.pid }]);
      const before = await worker.progress();
      const startedAt = Date.now();
      await interruptibleSleep(options.duration * 1000);
      const after = await worker.progress();
      const figures = window.close();
      const ranDry = after.completed >= options.drainJobs;
      if (before.completed >= options.drainJobs) {
        throw new Error(`the queue was drained during the warm-up: raise --drain-jobs above ${options.drainJobs}`);
      }
      const endedAt = ranDry ? after.lastCompletedAt : Date.now();
      const rate = (after.completed - before.completed) / ((endedAt - startedAt) / 1000);
      console.log(`${Math.round(rate).toLocaleString('en-US')} events/s`);
      return {
        key: 'D',
        label,
        unit: 'events/s',
        rate,
        latencyMs: null,
        errors: 0,
        errorDetail: null,
        processes: figures.processes,
        benchCpu: figures.benchCpu,
        restCpu: figures.restCpu,
        notes: ranDry
          ? [`the queue ran dry ${((endedAt - startedAt) / 1000).toFixed(1)} s into the window (raise --drain-jobs)`]
          : [],
      };
    } finally {
      await worker.stop();
    }
  } finally {
    // The leftover jobs would hold Redis memory until the cleanup at the end.
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
  }
}
