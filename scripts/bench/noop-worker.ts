// D: a raw BullMQ Worker with a no-op processor, alone in its own process, draining the queue the
// benchmark filled (id-only jobs). It counts completions for the parent, which times the drain.
//   node --import tsx scripts/bench/noop-worker.ts   (with REDIS_URL, QUEUE_PREFIX, WORKER_CONCURRENCY)
import { createRedisConnection } from '@hookfleet/queue';
import { Worker } from 'bullmq';
import { runAsChild } from './child-side.js';
import { PULL_REQUEST_QUEUE } from './protocol.js';

await runAsChild('noop worker', async () => {
  const connection = createRedisConnection(process.env.REDIS_URL ?? '', 'worker');
  let completed = 0;
  let lastCompletedAt = 0;
  const worker = new Worker(PULL_REQUEST_QUEUE, async () => {}, {
    connection,
    prefix: process.env.QUEUE_PREFIX,
    concurrency: Number(process.env.WORKER_CONCURRENCY),
  });
  worker.on('completed', () => {
    completed += 1;
    lastCompletedAt = Date.now();
  });
  worker.on('error', (error) => console.error('bench noop worker:', error.message));
  await worker.waitUntilReady();
  return {
    name: 'noop worker',
    url: null,
    progress: () => ({ completed, lastCompletedAt }),
    async stop() {
      await worker.close();
      connection.disconnect(); // BullMQ leaves a connection it was given open
    },
  };
});
