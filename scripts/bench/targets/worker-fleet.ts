// E: the Hookfleet worker fleet end to end. N pull requests opened, each its own workflow, are delivered
// through the ingress with no worker running (so they wait stored and queued); then one (or two) worker
// processes start, as production runs them (scripts/chaos/fleet.ts), against no-op AgentAPI, MAS and Slack
// servers (scripts/chaos/downstreams.ts), and the clock runs until every event is `processed`.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppProcess, freePort } from '../../chaos/fleet.js';
import { startDownstreams } from '../../chaos/downstreams.js';
import { startTargetProcess } from '../child-process.js';
import { LABEL_WIDTH, progress, type BenchContext } from '../context.js';
import { hookfleetEnv, ingressEnv } from '../hookfleet-env.js';
import { throwIfInterrupted } from '../interruption.js';
import { BENCH_HOOK_ID, DeliveryTracker, runLoad, type SignedDelivery } from '../load.js';
import type { Latency, Measurement } from '../measurement.js';
import { openWindow } from '../process-stats.js';
import { SERVER_ENTRY } from './ingress.js';

const FINISHED = `('processed', 'dead', 'discarded')`;

/** Delivers every one of `deliveries` through a fresh ingress process; answers the ingest rate. */
async function storeThroughIngress(
  context: BenchContext,
  queuePrefix: string,
  deliveries: SignedDelivery[],
): Promise<number> {
  const ingress = await startTargetProcess(SERVER_ENTRY, ['hookfleet'], ingressEnv(context, queuePrefix, 'warn'));
  try {
    let sent = 0;
    const load = {
      url: ingress.url!,
      next: () => deliveries[sent++ % deliveries.length]!,
      tracker: new DeliveryTracker(),
    };
    // One first, alone: the ingress answers nothing while it compiles its payload schemas after listening.
    await runLoad({ ...load, connections: 1, amount: 1, timeoutSeconds: 60 });
    const result = await runLoad({ ...load, connections: context.options.connections, amount: deliveries.length - 1 });
    return result.requests.mean;
  } finally {
    await ingress.stop();
  }
}

interface EventCounts {
  stored: number;
  finished: number;
  processed: number;
}

async function countEvents(context: BenchContext): Promise<EventCounts> {
  const { rows } = await context.environment.sql.query<Record<keyof EventCounts, string>>(
    `SELECT count(*) AS stored,
            count(*) FILTER (WHERE status IN ${FINISHED}) AS finished,
            count(*) FILTER (WHERE status = 'processed') AS processed
       FROM webhook_events WHERE hook_id = $1`,
    [BENCH_HOOK_ID],
  );
  const row = rows[0]!;
  return {
    stored: Number(row.stored),
    finished: Number(row.finished),
    processed: Number(row.processed),
  };
}

/**
 * As the rows record it: the span from the first event a worker picked up to the last one processed, and
 * each event's own time from pickup to processed.
 */
async function drainTimes(context: BenchContext): Promise<{ spanMs: number; latencyMs: Latency | null }> {
  const { rows } = await context.environment.sql.query<Record<'span' | 'p50' | 'p99' | 'max', number | null>>(
    `SELECT extract(epoch FROM max(processed_at) - min(processing_started_at)) * 1000 AS span,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY took) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY took) AS p99,
            max(took) AS max
       FROM (SELECT processed_at, processing_started_at,
                    extract(epoch FROM processed_at - processing_started_at) * 1000 AS took
               FROM webhook_events WHERE hook_id = $1 AND status = 'processed') processed`,
    [BENCH_HOOK_ID],
  );
  const row = rows[0];
  return {
    spanMs: Number(row?.span ?? NaN),
    latencyMs:
      row?.p50 != null && row.p99 != null && row.max != null
        ? { p50: Number(row.p50), p99: Number(row.p99), max: Number(row.max) }
        : null,
  };
}

export async function measureWorkerFleet(
  context: BenchContext,
  workerCount: number,
  deliveries: SignedDelivery[],
): Promise<Measurement> {
  const { options, environment } = context;
  const key = `E${workerCount}`;
  const label = `Hookfleet worker x${workerCount}, concurrency ${options.workerConcurrency}`;
  await environment.resetDatabase();
  const queuePrefix = environment.queuePrefix(key);
  progress(
    `  ${key.padEnd(10)} ${label.padEnd(LABEL_WIDTH)} storing ${deliveries.length.toLocaleString('en-US')} PRs opened ... `,
  );
  const ingestRate = await storeThroughIngress(context, queuePrefix, deliveries);
  const stored = await countEvents(context);
  if (stored.stored === 0) throw new Error('the ingress stored none of the deliveries');

  const downstreams = await startDownstreams();
  const workers: AppProcess[] = [];
  try {
    for (let i = 1; i <= workerCount; i++) {
      const port = await freePort();
      workers.push(
        new AppProcess(`worker-${i}`, 'apps/worker/src/main.ts', port, {
          ...hookfleetEnv(context, queuePrefix),
          WORKER_HEALTH_PORT: String(port),
          WORKER_CONCURRENCY: String(options.workerConcurrency),
          AGENTAPI_BASE_URL: downstreams.agentApiUrl,
          AGENTAPI_API_KEY: 'bench',
          MAS_BASE_URL: downstreams.masUrl,
          MAS_API_KEY: 'bench',
          MAS_CALLBACK_URL: `${downstreams.masUrl}/callback`,
          SLACK_WEBHOOK_URL: downstreams.slackUrl,
        }),
      );
    }
    progress(`${stored.stored.toLocaleString('en-US')} stored; draining ... `);
    const startedAt = performance.now();
    await Promise.all(workers.map((worker) => worker.start()));
    const window = openWindow(workers.map((worker) => ({ name: worker.name, pid: worker.pid! })));
    // Generous: a slow fleet is a finding, not a reason to stop; what is unfinished then shows as errors.
    const deadline = Date.now() + Math.max(180_000, stored.stored * 100);
    let counts = await countEvents(context);
    while (counts.finished < counts.stored && Date.now() < deadline) {
      throwIfInterrupted();
      await sleep(250);
      counts = await countEvents(context);
    }
    const wallMs = performance.now() - startedAt;
    const figures = window.close();
    const drained = await drainTimes(context);
    const rate = counts.processed / (drained.spanMs / 1000);
    console.log(`${Math.round(rate).toLocaleString('en-US')} events/s`);
    const unfinished = counts.stored - counts.finished;
    const notDone = counts.stored - counts.processed;
    return {
      key,
      label,
      unit: 'events/s',
      rate,
      latencyMs: drained.latencyMs,
      errors: notDone,
      errorDetail:
        notDone > 0
          ? `${counts.finished - counts.processed} dead or discarded, ${unfinished} unfinished after ${(wallMs / 1000).toFixed(0)} s`
          : null,
      processes: figures.processes,
      benchCpu: figures.benchCpu,
      restCpu: figures.restCpu,
      notes: [
        `${counts.processed.toLocaleString('en-US')} of ${stored.stored.toLocaleString('en-US')} stored events processed ` +
          `(${deliveries.length - stored.stored} deliveries not stored; ` +
          `ingest ${Math.round(ingestRate)} deliveries/s); ${(wallMs / 1000).toFixed(1)} s from starting the workers ` +
          `(their boot included); rate from the first pickup to the last processed_at; latency: each ` +
          `event's pickup to processed`,
      ],
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop().catch(() => worker.kill())));
    await downstreams.stop();
  }
}
