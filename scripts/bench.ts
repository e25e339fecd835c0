// The benchmark: in one run, each target in a fresh process of its own against the real Postgres and Redis,
// a warm-up that is not counted, then a fixed window; a table of rates, latencies, errors, CPU and peak
// memory per process, and the ratios between targets. A benchmark, not a test.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 pnpm bench
//   pnpm bench --only A,B,L,C --duration 5 --warmup 2                      (part of it, shorter windows)
//
//   A  node:http + HMAC, and Express 5 + HMAC: the floors, nothing stored
//   B  a naive durable pipeline: Express + HMAC + one Prisma create + one Queue.add per request
//   L  the leanest durable ingest: node:http + HMAC + pg group commit (<= 2 ms, <= 16 rows) + one addBulk
//   C  the Hookfleet ingress as shipped, at LOG_LEVEL=info (its default) and warn, and at info with tracing
//      on (OTLP to a local sink in a process of its own); every 202 checked
//   G  the Hookfleet ingress as C at info, receiving Stripe events at a generic source (Stripe preset): each
//      a new event id around the same ~7 KB payload, signed t=..,v1=..; every 202 checked
//   P  Postgres alone: pgbench, 20 clients, one ~7 KB jsonb row per transaction
//   D  BullMQ alone: a no-op Worker draining a filled queue at WORKER_CONCURRENCY
//   E  the Hookfleet worker fleet end to end, one then two worker processes
//   F  growth: C (warn) and the admin event list with 10k and with --growth-rows events stored
//
// Without DATABASE_URL / REDIS_URL it embeds PGlite and redis-server, and then measures those instead. It
// makes a database of its own and Redis keys under a random prefix, and removes both at the end. Only the
// load generator (autocannon) runs in this process while a target is measured: on a small machine a server
// sharing it would share one event loop and one core with autocannon, and we would measure the sum of both.
// The last run's results go to bench/RESULTS.md (--no-results: not).
import { randomBytes } from 'node:crypto';
import { pullRequestOpenedBody } from './bench/payload.js';
import type { BenchContext } from './bench/context.js';
import { pullRequestsOpened, signedDelivery } from './bench/deliveries.js';
import { prepareEnvironment, withoutPassword, type BenchEnvironment } from './bench/environment.js';
import { requestInterruption } from './bench/interruption.js';
import { machineFacts } from './bench/machine.js';
import { TARGET_LETTERS, readOptions, type TargetLetter } from './bench/options.js';
import { backgroundCpu } from './bench/process-stats.js';
import { checkLines, failureLines, growthTable, ratioLines, resultsTable, type BenchReport } from './bench/report.js';
import { writeLastRun } from './bench/results-file.js';
import { ADMIN_FILTERS, growthSizes, measureGrowth, sizeLabel } from './bench/targets/growth.js';
import { ingressTargets, measureIngress } from './bench/targets/ingress.js';
import { measurePostgresAlone } from './bench/targets/postgres-alone.js';
import { measureQueueDrain } from './bench/targets/queue-drain.js';
import { measureWorkerFleet } from './bench/targets/worker-fleet.js';

const options = readOptions(process.argv.slice(2), process.env);
const secret = randomBytes(16).toString('hex');
const delivery = signedDelivery(secret, Buffer.from(pullRequestOpenedBody()));

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130); // a second Ctrl-C skips the cleanup
  interrupted = true;
  console.log('\ninterrupted: stopping and cleaning up (Ctrl-C again to quit at once)');
  requestInterruption();
});

async function headerLines(environment: BenchEnvironment): Promise<string[]> {
  const machine = machineFacts();
  const versions = await environment.versions();
  const only = TARGET_LETTERS.filter((letter) => options.targets.has(letter));
  const growth = growthSizes({ options, environment }).map(sizeLabel).join(' and ');
  return [
    `  machine   ${machine.cpu}, ${machine.memory}, Node ${machine.node}, commit ${machine.commit}`,
    `  postgres  ${versions.postgres}${environment.embedded.postgres ? ' (embedded PGlite, in this process: not a fair figure)' : ''}`,
    `  redis     ${versions.redis}${environment.embedded.redis ? ' (embedded)' : ''}`,
    `  payload   GitHub pull_request "opened", ${delivery.body.length.toLocaleString('en-US')} bytes of JSON, signed`,
    `  load      autocannon, ${options.connections} connections, 1 request in flight each, ` +
      `${options.warmup} s warm-up + ${options.duration} s measured per target, every request a new delivery id`,
    `  targets   ${[
      only.join(','),
      ...(options.targets.has('D') ? [`D ${options.drainJobs.toLocaleString('en-US')} jobs`] : []),
      ...(options.targets.has('D') || options.targets.has('E')
        ? [`WORKER_CONCURRENCY=${options.workerConcurrency}`]
        : []),
      ...(options.targets.has('E') ? [`E ${options.events.toLocaleString('en-US')} events`] : []),
      ...(options.targets.has('F')
        ? [`F ${growth} rows, ${options.adminCalls} calls per filter (${ADMIN_FILTERS.length} filters)`]
        : []),
    ].join('; ')}`,
  ];
}

async function runTarget(context: BenchContext, letter: TargetLetter, report: BenchReport): Promise<void> {
  const attempt = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      if (interrupted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      console.log(`FAILED: ${message}`);
      report.failures.push({ target: name, message });
    }
  };
  switch (letter) {
    case 'A':
    case 'B':
    case 'L':
    case 'C':
    case 'G':
      for (const target of ingressTargets(context, letter)) {
        await attempt(target.key, async () => {
          const run = await measureIngress(context, target);
          report.measurements.push(run.measurement);
          if (run.check) report.checks.push({ label: `${target.key} (${target.label})`, check: run.check });
        });
      }
      return;
    case 'P':
      return attempt('P', async () => void report.measurements.push(await measurePostgresAlone(context)));
    case 'D':
      return attempt('D', async () => void report.measurements.push(await measureQueueDrain(context)));
    case 'E': {
      const deliveries = pullRequestsOpened(context.secret, options.events);
      for (const workers of [1, 2]) {
        await attempt(`E${workers}`, async () => {
          report.measurements.push(await measureWorkerFleet(context, workers, deliveries));
        });
      }
      return;
    }
    case 'F':
      return attempt('F', async () => void report.growth.push(...(await measureGrowth(context))));
  }
}

const environment = await prepareEnvironment();
const report: BenchReport = { measurements: [], checks: [], growth: [], failures: [] };
let failed = false;
try {
  const startedAt = new Date();
  console.log(`Hookfleet benchmark, ${startedAt.toISOString()}`);
  const header = await headerLines(environment);
  const background = await backgroundCpu(2000);
  header.push(
    `  idle      ${Math.round(background * 100)}% of a core busy over 2 s before the run` +
      (background > 0.2 ? ' (WARNING: other work is running; the figures will be low and noisy)' : ''),
  );
  for (const line of header) console.log(line);
  // Where, for this run only (both are removed at the end): not worth keeping in bench/RESULTS.md.
  console.log(
    `  where     database ${withoutPassword(environment.databaseUrl)}, Redis ${withoutPassword(environment.redisUrl)} ` +
      `keys under ${environment.runPrefix}-\n`,
  );
  const context: BenchContext = { options, environment, secret, delivery };
  for (const letter of TARGET_LETTERS) {
    if (options.targets.has(letter)) await runTarget(context, letter, report);
  }
  const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1);

  const sections: Array<[string, string[]]> = [
    ['Results', resultsTable(report)],
    ['Admin event list (F)', growthTable(report)],
    ['Delivery checks', checkLines(report)],
    ['Ratios', ratioLines(report)],
    ['Failures', failureLines(report)],
  ];
  for (const [title, lines] of sections) {
    if (lines.length > 0) console.log(`\n${title}\n${lines.join('\n')}`);
  }
  console.log(`\nThe run took ${minutes} min.`);
  failed = report.failures.length > 0 || report.checks.some(({ check }) => !check.ok);

  if (options.writeResults) {
    const command = ['pnpm bench', ...process.argv.slice(2).filter((arg) => arg !== '--')].join(' ');
    const markdown = [
      `Run ${startedAt.toISOString()} (${minutes} min): \`${command}\``,
      '',
      '```text',
      ...header.map((line) => line.slice(2)),
      '```',
      ...sections
        .filter(([, lines]) => lines.length > 0)
        .flatMap(([title, lines]) => ['', `### ${title}`, '', '```text', ...lines, '```']),
    ].join('\n');
    console.log(`Written to ${await writeLastRun(markdown)}.`);
  }
} catch (error) {
  failed = true;
  console.error('\nbenchmark failed:', error instanceof Error ? error.message : error);
} finally {
  console.log(`Cleaned up: ${await environment.cleanup()}.`);
}
process.exit(failed ? 1 : 0);
