// The command line: `pnpm bench [--only A,C] [--duration 10] [--warmup 3] [--connections 50] [--events 2000]
// [--drain-jobs 200000] [--growth-rows 1000000] [--admin-calls 30] [--worker-concurrency 20] [--no-results]`;
// each also as an env var (BENCH_DURATION..., and Hookfleet's own WORKER_CONCURRENCY).
import { parseArgs } from 'node:util';

export const TARGET_LETTERS = ['A', 'B', 'L', 'C', 'G', 'P', 'D', 'E', 'F'] as const;
export type TargetLetter = (typeof TARGET_LETTERS)[number];

export interface BenchOptions {
  targets: Set<TargetLetter>;
  /** Seconds of measured load per target, after `warmup` seconds that are not counted. */
  duration: number;
  warmup: number;
  connections: number;
  /** E: stored pull_request "opened" events the worker fleet drains. */
  events: number;
  /** D: id-only jobs put on the queue before the no-op worker starts. */
  drainJobs: number;
  /** F: the larger table size (the smaller is 10k); null: the default, which depends on the Postgres. */
  growthRows: number | null;
  /** F: timed calls per admin list filter and table size. */
  adminCalls: number;
  /** D and E: jobs one worker process runs at once (Hookfleet's WORKER_CONCURRENCY). */
  workerConcurrency: number;
  writeResults: boolean;
}

export function readOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const { values } = parseArgs({
    // `pnpm bench -- --duration 5` hands the `--` on; it would end option parsing here.
    args: argv.filter((arg) => arg !== '--'),
    options: {
      only: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      events: { type: 'string' },
      'drain-jobs': { type: 'string' },
      'growth-rows': { type: 'string' },
      'admin-calls': { type: 'string' },
      'worker-concurrency': { type: 'string' },
      'no-results': { type: 'boolean' },
    },
  });
  const positive = (flag: string, envName: string, fallback: number, integer = true) => {
    const raw = (values as Record<string, string | undefined>)[flag] ?? env[envName];
    const parsed = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isInteger(parsed))) {
      throw new Error(`--${flag} / ${envName} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
    }
    return parsed;
  };
  const only = (values.only ?? env.BENCH_ONLY ?? TARGET_LETTERS.join(','))
    .split(',')
    .map((letter) => letter.trim().toUpperCase())
    .filter(Boolean);
  const unknown = only.filter((letter) => !(TARGET_LETTERS as readonly string[]).includes(letter));
  if (unknown.length > 0 || only.length === 0) {
    throw new Error(`--only takes a list of ${TARGET_LETTERS.join(', ')}; got ${values.only ?? env.BENCH_ONLY}`);
  }
  return {
    targets: new Set(only as TargetLetter[]),
    duration: positive('duration', 'BENCH_DURATION', 10, false),
    warmup: positive('warmup', 'BENCH_WARMUP', 3, false),
    connections: positive('connections', 'BENCH_CONNECTIONS', 50),
    events: positive('events', 'BENCH_EVENTS', 2000),
    drainJobs: positive('drain-jobs', 'BENCH_DRAIN_JOBS', 200_000),
    growthRows: values['growth-rows'] || env.BENCH_GROWTH_ROWS ? positive('growth-rows', 'BENCH_GROWTH_ROWS', 0) : null,
    adminCalls: positive('admin-calls', 'BENCH_ADMIN_CALLS', 30),
    workerConcurrency: positive('worker-concurrency', 'WORKER_CONCURRENCY', 20),
    writeResults: !values['no-results'],
  };
}
