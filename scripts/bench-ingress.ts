// Ingress throughput: how many signed ~7 KB GitHub pull_request deliveries per second the Hookfleet ingress
// accepts on this machine, next to bare baselines measured in the same run. A benchmark, not a test.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 pnpm bench:ingress
//   pnpm bench:ingress --duration 10 --warmup 3 --connections 50   (or BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS)
//
// Without DATABASE_URL / REDIS_URL it embeds PGlite and redis-server, and then measures those instead.
// Hookfleet gets a fresh database of its own and a random QUEUE_PREFIX; both are removed at the end.
// LOG_LEVEL and DATABASE_POOL_MAX pass through to the ingress; unset, it runs with its own defaults.
//
// Each target runs in a fresh child process (scripts/bench/server.ts) and autocannon runs here, alone.
// On a 2-core machine a server sharing its process with the load generator would share one event loop and
// one core with it, and we would measure the sum of both. A worker thread for autocannon would give it a
// core, but the server would still share a process (heap limits, GC pauses, the libuv pool) with it, and
// with the other targets before it. A child process per target is the setup closest to production, and
// gives every target the same fresh-process start (a fresh process runs slow at first: hence the warm-up).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { applyMigrations, createPrismaClient, type PrismaClient } from '@hookfleet/db';
import { createTestDatabase, provideServices, signGithubBody, type TestDatabase } from '@hookfleet/devkit';
import { pullRequestOpenedBody } from './bench/payload.js';
import {
  BASELINE_SECRET_ENV,
  WEBHOOK_PATH,
  type ChildMessage,
  type ParentMessage,
  type Target,
} from './bench/protocol.js';

const LABELS: Record<Target, string> = {
  'node-http': 'node:http + HMAC',
  express: 'Express 5 + HMAC',
  hookfleet: 'Hookfleet ingress',
};

// ---------------------------------------------------------------------------------------------- options

interface Options {
  duration: number;
  warmup: number;
  connections: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    // `pnpm bench:ingress -- --duration 5` hands the `--` on; it would end option parsing here.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
    },
  });
  const positive = (flag: string, value: string | undefined, envName: string, fallback: number, integer = false) => {
    const raw = value ?? process.env[envName];
    const parsed = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isInteger(parsed))) {
      throw new Error(`--${flag} / ${envName} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
    }
    return parsed;
  };
  return {
    duration: positive('duration', values.duration, 'BENCH_DURATION', 10),
    warmup: positive('warmup', values.warmup, 'BENCH_WARMUP', 3),
    connections: positive('connections', values.connections, 'BENCH_CONNECTIONS', 50, true),
  };
}

// ---------------------------------------------------------------------------------------- environment

interface Environment {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  embedded: { postgres: boolean; redis: boolean };
  /** Drops the database and deletes the prefix's Redis keys; says what it removed. */
  cleanup(): Promise<string>;
}

async function prepareEnvironment(): Promise<Environment> {
  const services = await provideServices(process.env);
  let database: TestDatabase;
  try {
    if (services.embedded.postgres) {
      // PGlite is a single database (no CREATE DATABASE), in memory and ours alone: it only needs migrating,
      // and it goes away with services.stop().
      await applyMigrations(services.databaseUrl);
      database = { url: services.databaseUrl, drop: async () => {} };
    } else {
      database = await createTestDatabase(services.databaseUrl);
    }
  } catch (error) {
    await services.stop();
    throw error;
  }
  const queuePrefix = `bench-${randomBytes(5).toString('hex')}`;
  return {
    databaseUrl: database.url,
    redisUrl: services.redisUrl,
    queuePrefix,
    embedded: services.embedded,
    async cleanup() {
      const removed: string[] = [];
      try {
        removed.push(
          `${await deleteRedisKeys(services.redisUrl, `${queuePrefix}:*`)} Redis keys under ${queuePrefix}:`,
        );
      } finally {
        await database.drop();
        removed.push(services.embedded.postgres ? 'the embedded database' : `database ${databaseName(database.url)}`);
        await services.stop();
      }
      return removed.join(', ');
    },
  };
}

interface RedisClient {
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
  quit(): Promise<unknown>;
}

async function deleteRedisKeys(redisUrl: string, pattern: string): Promise<number> {
  // ioredis is a dependency of packages/devkit and the apps, not of the root: load it from devkit.
  const require = createRequire(new URL('../packages/devkit/package.json', import.meta.url));
  const { Redis } = require('ioredis') as { Redis: new (url: string) => RedisClient };
  const redis = new Redis(redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return deleted;
}

function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

// ------------------------------------------------------------------------------------- server process

interface ServerProcess {
  url: string;
  /** CPU time (user + system) the server has used so far, in ms. */
  cpuMs(): Promise<number>;
  /** Graceful stop (Hookfleet drains and closes its clients), then exit; killed if it hangs. */
  stop(): Promise<void>;
}

const SERVER_ENTRY = new URL('./bench/server.ts', import.meta.url);

function nextMessage(child: ChildProcess, type: ChildMessage['type'], timeoutMs: number): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(new Error(`no '${type}' from the server in ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type === type) settle(null, message);
    };
    const onExit = (code: number | null, signal: string | null) =>
      settle(new Error(`the server exited (${signal ?? `code ${code}`}) before sending '${type}'`));
    function settle(error: Error | null, message?: ChildMessage) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function startServer(target: Target, env: Record<string, string>): Promise<ServerProcess> {
  const child = fork(SERVER_ENTRY, [target], {
    // The same loader and condition as this script: workspace packages run from their TS source.
    execArgv: ['--import', import.meta.resolve('tsx'), '--conditions=@hookfleet/source'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
    // stdout is Hookfleet's JSON log, a line or two per request: reading it would cost this process CPU,
    // so it goes to /dev/null. stderr stays visible for start-up and shutdown failures.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const send = (message: ParentMessage) => child.send(message);
  let ready: ChildMessage;
  try {
    ready = await nextMessage(child, 'ready', 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (ready.type !== 'ready') throw new Error('unexpected message');
  return {
    url: ready.url,
    async cpuMs() {
      const reply = nextMessage(child, 'cpu', 10_000);
      send({ type: 'cpu' });
      const message = await reply;
      return message.type === 'cpu' ? (message.usage.user + message.usage.system) / 1000 : NaN;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ----------------------------------------------------------------------------------------------- load

/**
 * Which deliveries got which answer. With one request in flight per connection, autocannon's per-connection
 * context carries the delivery id from setupRequest to onResponse. Only the in-flight ids and the non-202
 * ones are kept, so memory stays at about one id per connection.
 */
class DeliveryTracker {
  /** Sent and not (yet) answered: at the end, the requests cut off when autocannon closed its connections. */
  readonly unanswered = new Set<string>();
  /** Answered with anything but 202 (none in a healthy run). */
  readonly otherAnswers = new Map<string, number>();
  accepted = 0;

  sent(deliveryId: string): void {
    this.unanswered.add(deliveryId);
  }

  answered(deliveryId: string, status: number): void {
    this.unanswered.delete(deliveryId);
    if (status === 202) this.accepted++;
    else this.otherAnswers.set(deliveryId, status);
  }
}

interface Delivery {
  body: Buffer;
  signature: string;
}

interface DeliveryContext {
  deliveryId?: string;
}

let activeLoad: autocannon.Instance | undefined;
let interrupted = false;

function runLoad(
  url: string,
  delivery: Delivery,
  tracker: DeliveryTracker,
  seconds: number,
  connections: number,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    activeLoad = autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1, // one request in flight per connection, like GitHub's deliveries (and the tracker)
        requests: [
          {
            method: 'POST',
            path: WEBHOOK_PATH,
            body: delivery.body,
            // What GitHub sends, with the hook id of a repository webhook.
            headers: {
              'content-type': 'application/json',
              'user-agent': 'GitHub-Hookshot/bench',
              accept: '*/*',
              'x-github-event': 'pull_request',
              'x-github-hook-id': '476113233',
              'x-github-hook-installation-target-type': 'repository',
              'x-github-hook-installation-target-id': '186853002',
              'x-hub-signature-256': delivery.signature,
            },
            // Every request is a distinct delivery: Hookfleet stores a repeated delivery id once and answers
            // it 200 as a duplicate. The body (and so its signature) can stay the same.
            setupRequest: (request, context) => {
              const deliveryId = randomUUID();
              (context as DeliveryContext).deliveryId = deliveryId;
              tracker.sent(deliveryId);
              return { ...request, headers: { ...request.headers, 'x-github-delivery': deliveryId } };
            },
            onResponse: (status, _body, context) => {
              const { deliveryId } = context as DeliveryContext;
              if (deliveryId) tracker.answered(deliveryId, status);
            },
          },
        ],
      },
      (error: unknown, result) => {
        activeLoad = undefined;
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else if (interrupted) reject(new Error('interrupted'));
        else resolve(result);
      },
    );
  });
}

// ------------------------------------------------------------------------------------------- measuring

interface Measurement {
  target: Target;
  result: autocannon.Result;
  tracker: DeliveryTracker;
  /** 202 answers during the warm-up (its deliveries are stored too). */
  warmupAccepted: number;
  /** Fractions of one core over the measured window. */
  serverCpu: number;
  loadgenCpu: number;
  /** Everything else on the machine, in cores: Postgres and Redis for Hookfleet, and any unrelated work. */
  restCpu: number;
}

function machineTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, idle: cpuIdle, irq } = cpu.times;
    idle += cpuIdle;
    total += user + nice + sys + cpuIdle + irq;
  }
  return { idle, total };
}

/** Busy cores (0..cores) between two machineTimes() samples. */
function busyCores(before: { idle: number; total: number }, after: { idle: number; total: number }): number {
  return os.cpus().length * (1 - (after.idle - before.idle) / (after.total - before.total));
}

/** Busy cores while nothing of ours runs: other work on the machine would skew every figure. */
async function backgroundCpu(ms: number): Promise<number> {
  const before = machineTimes();
  await sleep(ms);
  return busyCores(before, machineTimes());
}

async function measure(
  target: Target,
  env: Record<string, string>,
  delivery: Delivery,
  options: Options,
  /** Runs after the load, while the server is still up. */
  afterLoad?: (measurement: Measurement) => Promise<void>,
): Promise<Measurement> {
  process.stdout.write(`  ${LABELS[target].padEnd(18)} warm-up ${options.warmup} s ... `);
  const server = await startServer(target, env);
  try {
    const tracker = new DeliveryTracker();
    // A fresh Node process runs slow until its code is optimised: the warm-up is not counted.
    const warmup = await runLoad(server.url, delivery, tracker, options.warmup, options.connections);
    process.stdout.write(`measuring ${options.duration} s ... `);

    const serverBefore = await server.cpuMs();
    const loadgenBefore = process.cpuUsage();
    const machineBefore = machineTimes();
    const result = await runLoad(server.url, delivery, tracker, options.duration, options.connections);
    const machineAfter = machineTimes();
    const loadgen = process.cpuUsage(loadgenBefore);
    const serverMs = (await server.cpuMs()) - serverBefore;

    const windowMs = result.duration * 1000;
    const loadgenCpuOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000 / windowMs;
    const measurement: Measurement = {
      target,
      result,
      tracker,
      warmupAccepted: warmup.statusCodeStats?.['202']?.count ?? 0,
      serverCpu: serverMs / windowMs,
      loadgenCpu: loadgenCpuOf(loadgen),
      restCpu: Math.max(0, busyCores(machineBefore, machineAfter) - serverMs / windowMs - loadgenCpuOf(loadgen)),
    };
    console.log(`${Math.round(result.requests.mean).toLocaleString('en-US')} req/s`);
    await afterLoad?.(measurement);
    return measurement;
  } finally {
    await server.stop();
  }
}

// ------------------------------------------------------------------------------- delivery accounting

interface DeliveryCheck {
  accepted: number;
  rows: number;
  rowsWithoutJob: number;
  rowsOfCutOff: number;
  cutOff: number;
  rowsOfOtherAnswers: number;
  rowsOfAccepted: number;
  ok: boolean;
}

/** Requests cut off at the end may still be finishing in the server: wait until the table stops changing. */
async function waitForQuiet(prisma: PrismaClient): Promise<void> {
  let last = '';
  let quietSince = Date.now();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [rows, received] = await Promise.all([
      prisma.webhookEvent.count(),
      prisma.webhookEvent.count({ where: { status: 'received' } }),
    ]);
    const state = `${rows}/${received}`;
    if (state !== last) {
      last = state;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 1000) {
      return;
    }
    await sleep(200);
  }
  console.warn('  (webhook_events was still changing after 30 s; counting anyway)');
}

/** Rows whose delivery id is in `ids`, in chunks that stay under Postgres's bind-parameter limit. */
async function countRowsOf(prisma: PrismaClient, ids: Iterable<string>): Promise<number> {
  const all = [...ids];
  let count = 0;
  for (let i = 0; i < all.length; i += 10_000) {
    count += await prisma.webhookEvent.count({ where: { deliveryId: { in: all.slice(i, i + 10_000) } } });
  }
  return count;
}

/**
 * Every delivery answered 202 must have its row, and a job (a row leaves `received` only once its job is
 * in Redis). autocannon ends a run by destroying its connections, so up to one request per connection is
 * cut off unanswered, and the server may still have stored it: those rows are counted apart. The database
 * is fresh and every delivery id unique, so each row belongs to exactly one of: answered 202, answered
 * otherwise, cut off.
 */
async function checkDeliveries(databaseUrl: string, measurement: Measurement): Promise<DeliveryCheck> {
  const { tracker } = measurement;
  const prisma = createPrismaClient(databaseUrl, { poolMax: 2 });
  try {
    await waitForQuiet(prisma);
    const rows = await prisma.webhookEvent.count();
    const rowsWithoutJob = await prisma.webhookEvent.count({ where: { status: 'received' } });
    const rowsOfCutOff = await countRowsOf(prisma, tracker.unanswered);
    const rowsOfOtherAnswers = await countRowsOf(prisma, tracker.otherAnswers.keys());
    const rowsOfAccepted = rows - rowsOfCutOff - rowsOfOtherAnswers;
    const accepted = measurement.warmupAccepted + (measurement.result.statusCodeStats?.['202']?.count ?? 0);
    if (accepted !== tracker.accepted) {
      throw new Error(`autocannon counted ${accepted} 202 answers, the tracker ${tracker.accepted}`);
    }
    return {
      accepted,
      rows,
      rowsWithoutJob,
      rowsOfCutOff,
      cutOff: tracker.unanswered.size,
      rowsOfOtherAnswers,
      rowsOfAccepted,
      ok: rowsOfAccepted === accepted && rowsWithoutJob === 0,
    };
  } finally {
    await prisma.$disconnect();
  }
}

// ------------------------------------------------------------------------------------------- reporting

const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** autocannon is one JS thread: near a full core, it, not the server, sets the pace. */
const loadgenBound = (m: Measurement) => m.loadgenCpu >= 0.9;
/** A baseline touches neither Postgres nor Redis: CPU used by anything else there is other work. */
const disturbed = (m: Measurement) => m.target !== 'hookfleet' && m.restCpu > 0.2;

function printTable(measurements: Measurement[]): void {
  const express = measurements.find((m) => m.target === 'express');
  const header = [
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'vs Express',
    'server CPU',
    'loadgen CPU',
    'rest CPU',
  ];
  const rows = measurements.map((m) => [
    LABELS[m.target],
    `${loadgenBound(m) ? '*' : ''}${integer(m.result.requests.mean)}`,
    m.result.latency.p50.toFixed(1),
    m.result.latency.p99.toFixed(1),
    integer(m.result.non2xx),
    integer(m.result.errors),
    express ? `${(m.result.requests.mean / express.result.requests.mean).toFixed(2)}x` : '-',
    percent(m.serverCpu),
    percent(m.loadgenCpu),
    percent(m.restCpu),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log(
    `CPU in % of one core (${os.cpus().length} on this machine) over the measured window. rest: everything else, ` +
      'i.e. Postgres and Redis for Hookfleet, and any unrelated work.',
  );
  if (measurements.some(loadgenBound)) {
    console.log('* the load generator used most of a core: the server may have more in it, read this as a floor');
  }
  if (measurements.some(disturbed)) {
    console.log(
      `WARNING: other work used the CPU during the ${measurements
        .filter(disturbed)
        .map((m) => LABELS[m.target])
        .join(', ')} ` +
        'run (rest CPU > 20% with no database in play): these figures are low; rerun on a quiet machine.',
    );
  }
  for (const m of measurements) {
    const codes = Object.entries(m.result.statusCodeStats ?? {}).filter(([code]) => code !== '202');
    if (codes.length > 0) {
      console.log(
        `${LABELS[m.target]} answered: ${codes.map(([code, { count }]) => `${count ?? 0} x ${code}`).join(', ')}`,
      );
    }
  }
}

function printCheck(check: DeliveryCheck): void {
  const row = (label: string, value: number, note = '') =>
    console.log(`  ${label.padEnd(34)}${integer(value).padStart(9)}${note ? `  ${note}` : ''}`);
  console.log('Hookfleet deliveries (warm-up + measured):');
  row('202 answers', check.accepted);
  row('webhook_events rows', check.rows);
  row(
    '  of deliveries answered 202',
    check.rowsOfAccepted,
    check.rowsOfAccepted === check.accepted ? 'ok: = 202 answers' : 'MISMATCH',
  );
  row(
    '  of requests cut off at the end',
    check.rowsOfCutOff,
    `of ${check.cutOff} in flight when autocannon closed its connections`,
  );
  if (check.rowsOfOtherAnswers > 0) row('  of deliveries answered non-202', check.rowsOfOtherAnswers);
  row('rows without a job (received)', check.rowsWithoutJob, check.rowsWithoutJob === 0 ? 'ok' : 'NOT QUEUED');
  console.log(
    check.ok
      ? '  Every 202 has its stored row, and every stored row its job.'
      : '  DELIVERIES LOST: the figures above overstate what the ingress accepts.',
  );
}

// ------------------------------------------------------------------------------------------------ main

const options = readOptions();
const body = Buffer.from(pullRequestOpenedBody());
const secret = randomBytes(16).toString('hex');
const delivery: Delivery = { body, signature: signGithubBody(secret, body) };

process.on('SIGINT', () => {
  if (interrupted) process.exit(130); // a second Ctrl-C skips the cleanup
  interrupted = true;
  console.log('\ninterrupted: stopping and cleaning up (Ctrl-C again to quit at once)');
  activeLoad?.stop();
});

const environment = await prepareEnvironment();
let failed = false;
try {
  const cpus = os.cpus();
  console.log(`Hookfleet ingress benchmark, ${new Date().toISOString()}`);
  console.log(`  machine   ${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`);
  console.log(`  payload   GitHub pull_request "opened", ${body.length.toLocaleString('en-US')} bytes of JSON, signed`);
  console.log(
    `  load      autocannon, ${options.connections} connections, 1 request in flight each, ` +
      `${options.warmup} s warm-up + ${options.duration} s measured per target, every request a new delivery id`,
  );
  console.log(
    `  postgres  ${environment.embedded.postgres ? 'embedded PGlite (in this process: not a fair figure)' : withoutPassword(environment.databaseUrl)}`,
  );
  console.log(
    `  redis     ${withoutPassword(environment.redisUrl)}${environment.embedded.redis ? ' (embedded)' : ''}, prefix ${environment.queuePrefix}:`,
  );
  console.log(
    `  ingress   LOG_LEVEL=${process.env.LOG_LEVEL || 'info (default)'}, ` +
      `DATABASE_POOL_MAX=${process.env.DATABASE_POOL_MAX || (environment.embedded.postgres ? '4' : '10 (default)')}`,
  );
  const background = await backgroundCpu(2000);
  console.log(
    `  idle      ${percent(background)} of a core busy over 2 s before the run` +
      (background > 0.2 ? ' (WARNING: other work is running; the figures will be low and noisy)' : ''),
  );
  console.log('');

  const baselineEnv = { [BASELINE_SECRET_ENV]: secret };
  const hookfleetEnv: Record<string, string> = {
    DATABASE_URL: environment.databaseUrl,
    REDIS_URL: environment.redisUrl,
    QUEUE_PREFIX: environment.queuePrefix,
    GITHUB_WEBHOOK_SECRET: secret,
    WEBHOOK_HOST: '127.0.0.1',
    WEBHOOK_PORT: '0',
    // All load comes from one address and one repository: limits this high never trip, yet the checks
    // still run as in production. (Versions without rate limits ignore these.)
    WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '1000000000',
    WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: '1000000000',
    // PGlite serves one session; a small pool keeps its multiplexer's queue short (as scripts/dev.ts does).
    ...(environment.embedded.postgres && !process.env.DATABASE_POOL_MAX ? { DATABASE_POOL_MAX: '4' } : {}),
  };

  let check: DeliveryCheck | undefined;
  const measurements = [
    await measure('node-http', baselineEnv, delivery, options),
    await measure('express', baselineEnv, delivery, options),
    await measure('hookfleet', hookfleetEnv, delivery, options, async (measurement) => {
      check = await checkDeliveries(environment.databaseUrl, measurement);
    }),
  ];

  console.log('');
  printTable(measurements);
  console.log('');
  printCheck(check!);
  failed = !check!.ok;

  const [hookfleet, express] = [measurements[2]!, measurements[1]!];
  console.log('');
  console.log(
    `Hookfleet accepted ${integer(hookfleet.result.requests.mean)} deliveries/s, ` +
      `${(hookfleet.result.requests.mean / express.result.requests.mean).toFixed(2)}x the bare Express baseline ` +
      `(${integer(express.result.requests.mean)} req/s), p99 ${hookfleet.result.latency.p99.toFixed(0)} ms.`,
  );
} catch (error) {
  failed = true;
  console.error('\nbenchmark failed:', error instanceof Error ? error.message : error);
} finally {
  console.log(`Cleaned up: ${await environment.cleanup()}.`);
}
process.exit(failed ? 1 : 0);
