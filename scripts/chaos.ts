// The chaos suite: the whole system as production runs it (an ingress, workers and an admin, each its own
// process, on Postgres and a redis-server of the suite's own), under signed load, while faults are
// injected. After each scenario it waits for the system to settle and checks Postgres and the downstreams:
// every delivery that got a 2xx must be processed or dead, and no effect may have happened twice. A script
// that prints figures, not a test; it exits 1 when a scenario loses a delivery, doubles an effect, or
// leaves something for an operator.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm chaos                  (10,000 per scenario)
//   pnpm chaos --deliveries 300 --rate 40 --only 3,5                    (a small, paced run of two scenarios)
//
// Faults go through the suite's own servers: TCP proxies in front of Postgres and Redis (cut, restored),
// its own redis-server (restarted empty), and signals to the app processes. The machine's Postgres and Redis
// are never stopped or flushed. Without DATABASE_URL it uses an embedded Postgres (slow: keep it small).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import { createTestDatabase } from '@hookfleet/devkit';
import { QUEUE_NAMES } from '@hookfleet/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startDownstreams, type Downstreams } from './chaos/downstreams.js';
import { startFleet, type Fleet } from './chaos/fleet.js';
import { planDeliveries, sendLoad, type Answers, type Delivery, type LoadRun } from './chaos/load.js';

interface Scenario {
  name: string;
  shape?: { duplicates?: boolean; quirks?: boolean };
  /** Runs beside the load; `load.done` says when sending has ended. */
  fault?: (fleet: Fleet, load: LoadRun) => Promise<void>;
}

const OUTAGE_MS = 10_000;

const SCENARIOS: Scenario[] = [
  {
    name: 'SIGKILL a random worker every 3 s',
    async fault(fleet, load) {
      let sending = true;
      void load.done.then(() => (sending = false));
      while (sending) {
        await sleep(3000);
        const worker = fleet.workers[Math.floor(Math.random() * fleet.workers.length)]!;
        await worker.kill();
        await worker.start();
      }
    },
  },
  {
    name: 'SIGSTOP a worker past its lock (5 s) for 12 s',
    async fault(fleet, load) {
      await load.whenSent(0.2);
      const worker = fleet.workers[0]!;
      worker.signal('SIGSTOP');
      await sleep(12_000);
      worker.signal('SIGCONT');
    },
  },
  {
    name: 'Redis unreachable for 10 s',
    async fault(fleet, load) {
      await load.whenSent(0.2);
      await fleet.redisProxy.cut();
      await sleep(OUTAGE_MS);
      await fleet.redisProxy.restore();
    },
  },
  {
    name: 'Redis restarted empty',
    async fault(fleet, load) {
      await load.whenSent(0.3);
      await fleet.redis.restartEmpty();
    },
  },
  {
    name: 'Postgres unreachable for 10 s',
    async fault(fleet, load) {
      await load.whenSent(0.2);
      await fleet.postgresProxy.cut();
      await sleep(OUTAGE_MS);
      await fleet.postgresProxy.restore();
    },
  },
  {
    name: 'SIGKILL the ingress',
    async fault(fleet, load) {
      await load.whenSent(0.3);
      await fleet.ingress.kill();
      await fleet.ingress.start();
    },
  },
  { name: '20 % sent 2-5 times at once, some with another body', shape: { duplicates: true } },
  {
    name: 'SIGTERM every worker in turn (rolling restart)',
    async fault(fleet, load) {
      await load.whenSent(0.2);
      for (const worker of fleet.workers) {
        await worker.stop();
        await worker.start();
      }
    },
  },
  { name: 'NUL, lone surrogates, 5 MB bodies, deep nesting', shape: { quirks: true } },
];

interface Outcome {
  scenario: string;
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  stored: number;
  processed: number;
  dead: number;
  lost: number;
  duplicated: number;
  drainSeconds: number;
  operatorNeeded: boolean;
}

const FINISHED = new Set(['processed', 'dead', 'discarded']);

/** Jobs still to run anywhere: effects may still happen while any is waiting, delayed or running. */
async function jobsInFlight(queues: Queue[]): Promise<number> {
  const counts = await Promise.all(
    queues.map((queue) => queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active')),
  );
  return counts.reduce((total, states) => total + Object.values(states).reduce((sum, n) => sum + n, 0), 0);
}

async function settle(
  prisma: PrismaClient,
  queues: Queue[],
  hookId: string,
  answers: Answers,
  timeoutMs: number,
): Promise<Map<string, { id: string; status: string }>> {
  const accepted = [...answers].filter(([, statuses]) => statuses.some((status) => status >= 200 && status < 300));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await prisma.webhookEvent.findMany({
      where: { hookId },
      select: { id: true, deliveryId: true, status: true },
    });
    const byDelivery = new Map(rows.map((row) => [row.deliveryId, { id: row.id, status: row.status as string }]));
    const settled =
      rows.every((row) => FINISHED.has(row.status)) &&
      accepted.every(([deliveryId]) => byDelivery.has(deliveryId)) &&
      (await jobsInFlight(queues).catch(() => 1)) === 0;
    if (settled || Date.now() > deadline) return byDelivery;
    await sleep(1000);
  }
}

async function runScenario(
  index: number,
  scenario: Scenario,
  context: { fleet: Fleet; prisma: PrismaClient; queues: Queue[]; downstreams: Downstreams; options: Options },
): Promise<Outcome> {
  const { fleet, prisma, downstreams, options } = context;
  const hookId = String(9000 + index);
  const deliveries: Delivery[] = planDeliveries(index, options.deliveries, scenario.shape ?? {});
  const load = sendLoad(fleet.ingress.url, deliveries, {
    concurrency: options.concurrency,
    ratePerSecond: options.rate,
    hookId,
  });
  await Promise.all([load.done, scenario.fault?.(fleet, load)]);
  const sendingEnded = Date.now();
  // Every app back up before judging (a fault may have left one restarting).
  for (const app of fleet.apps()) if (!app.running) await app.start();
  const rows = await settle(prisma, context.queues, hookId, load.answers, options.settleSeconds * 1000);
  const drainSeconds = (Date.now() - sendingEnded) / 1000;

  const refused: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let lost = 0;
  for (const [deliveryId, statuses] of load.answers) {
    sent += statuses.length;
    for (const status of statuses) {
      if (status >= 200 && status < 300) accepted += 1;
      else
        refused[status === 0 ? 'no answer' : String(status)] =
          (refused[status === 0 ? 'no answer' : String(status)] ?? 0) + 1;
    }
    const row = rows.get(deliveryId);
    if (statuses.some((status) => status >= 200 && status < 300) && !(row && FINISHED.has(row.status))) lost += 1;
  }
  const statuses = [...rows.values()].map((row) => row.status);
  const eventIds = new Set([...rows.values()].map((row) => row.id));
  const prs = new Set(deliveries.map((delivery) => delivery.pr));
  return {
    scenario: scenario.name,
    sent,
    accepted,
    refused,
    stored: rows.size,
    processed: statuses.filter((status) => status === 'processed').length,
    dead: statuses.filter((status) => status === 'dead').length,
    lost,
    duplicated: downstreams.duplicates(
      (eventId) => eventIds.has(eventId),
      (pr) => prs.has(pr),
    ),
    drainSeconds,
    operatorNeeded: lost > 0 || statuses.some((status) => !FINISHED.has(status)),
  };
}

function table(outcomes: Outcome[]): string {
  const refusedText = (refused: Record<string, number>) =>
    Object.entries(refused)
      .map(([status, count]) => `${status}×${count}`)
      .join(', ') || '–';
  const lines = [
    '| # | scenario | sent | 2xx | non-2xx | stored | processed | dead | lost | duplicated effects | drain (s) | operator needed |',
    '| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...outcomes.map(
      (outcome, i) =>
        `| ${i + 1} | ${outcome.scenario} | ${outcome.sent} | ${outcome.accepted} | ${refusedText(outcome.refused)} | ` +
        `${outcome.stored} | ${outcome.processed} | ${outcome.dead} | ${outcome.lost} | ${outcome.duplicated} | ` +
        `${outcome.drainSeconds.toFixed(1)} | ${outcome.operatorNeeded ? 'yes' : 'no'} |`,
    ),
  ];
  return lines.join('\n');
}

interface Options {
  deliveries: number;
  concurrency: number;
  rate: number;
  workers: number;
  settleSeconds: number;
  only: number[] | null;
  out: string | null;
}

function readOptions(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      deliveries: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '20' },
      rate: { type: 'string', default: '0' },
      workers: { type: 'string', default: '2' },
      settle: { type: 'string', default: '300' },
      only: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const number = (name: string, value: string | undefined, min: number) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return parsed;
  };
  return {
    deliveries: number('deliveries', values.deliveries, 1),
    concurrency: number('concurrency', values.concurrency, 1),
    rate: number('rate', values.rate, 0),
    workers: number('workers', values.workers, 2),
    settleSeconds: number('settle', values.settle, 10),
    only: values.only ? values.only.split(',').map((value) => number('only', value, 1)) : null,
    out: values.out ?? null,
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  const database = await createTestDatabase(process.env.DATABASE_URL);
  const downstreams = await startDownstreams();
  const prisma = createPrismaClient(database.url, { poolMax: 2 });
  let fleet: Fleet | null = null;
  let redis: Redis | null = null;
  let queues: Queue[] | null = null;
  const queuePrefix = `hookfleet-chaos-${randomBytes(4).toString('hex')}`;
  const outcomes: Outcome[] = [];
  try {
    fleet = await startFleet({
      databaseUrl: database.url,
      queuePrefix,
      workers: options.workers,
      agentApiUrl: downstreams.agentApiUrl,
      slackUrl: downstreams.slackUrl,
    });
    console.log(
      `chaos: ${options.deliveries} deliveries per scenario, ${options.workers} workers, concurrency ${options.concurrency}` +
        `${options.rate ? `, ${options.rate}/s` : ''}`,
    );
    // Read straight from the suite's redis-server, not through the proxy the faults cut.
    redis = new Redis(`redis://127.0.0.1:${fleet.redis.port}`, { maxRetriesPerRequest: null });
    redis.on('error', () => {}); // restarted by scenario 4; ioredis reconnects
    const connection = redis;
    queues = QUEUE_NAMES.map((name) => new Queue(name, { connection, prefix: queuePrefix }));
    for (const [i, scenario] of SCENARIOS.entries()) {
      if (options.only && !options.only.includes(i + 1)) continue;
      const outcome = await runScenario(i + 1, scenario, { fleet, prisma, queues, downstreams, options });
      outcomes.push(outcome);
      console.log(
        `${i + 1}. ${scenario.name}: sent ${outcome.sent}, 2xx ${outcome.accepted}, lost ${outcome.lost}, ` +
          `duplicated ${outcome.duplicated}, drained in ${outcome.drainSeconds.toFixed(1)} s`,
      );
    }
  } finally {
    await Promise.all((queues ?? []).map((queue) => queue.close()));
    redis?.disconnect();
    await fleet?.stop();
    await downstreams.stop();
    await prisma.$disconnect();
    await database.drop();
  }
  const report = table(outcomes);
  console.log(`\n${report}`);
  if (options.out) await writeFile(options.out, `${report}\n`);
  const failed = outcomes.filter((outcome) => outcome.lost > 0 || outcome.duplicated > 0 || outcome.operatorNeeded);
  // Not in the "N passed, N failed" form: this is a report of scenarios, not a test runner's count.
  console.log(
    failed.length === 0
      ? `\nchaos: all ${outcomes.length} scenarios kept the promise`
      : `\nchaos: ${failed.length} of ${outcomes.length} scenarios broke the promise`,
  );
  process.exitCode = failed.length > 0 ? 1 : 0;
}

await main();
