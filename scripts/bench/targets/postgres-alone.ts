// P: Postgres alone, the ceiling under every durable ingest: pgbench, 20 clients, each transaction one
// single-row INSERT of the same ~7 KB JSON document into a jsonb column of a scratch table in the benchmark's
// database. Simple query mode: in extended mode pgbench reads `:false` inside the JSON as a variable.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LABEL_WIDTH, progress, type BenchContext } from '../context.js';
import { onInterruption, throwIfInterrupted } from '../interruption.js';
import { latencyOf } from '../latency.js';
import type { Measurement } from '../measurement.js';
import { followUntilExit, openWindow, type ProcessFigures } from '../process-stats.js';

export const PGBENCH_CLIENTS = 20;
const SCRATCH_TABLE = 'bench_pgbench_rows';

/** pgbench on the PATH, else in Debian's versioned Postgres directory. */
async function findPgbench(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)('sh', ['-c', 'command -v pgbench']);
    if (stdout.trim()) return stdout.trim();
  } catch {
    // not on the PATH
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? (await readdir(root)).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((version) => join(root, version, 'bin', 'pgbench')).find((path) => existsSync(path)) ?? null;
}

interface PgbenchRun {
  stdout: string;
  figures: ProcessFigures;
}

function runPgbench(binary: string, args: string[]): Promise<PgbenchRun> {
  throwIfInterrupted();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const followed = followUntilExit('pgbench', child.pid!);
    const stopListening = onInterruption(() => child.kill('SIGINT'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      stopListening();
      const figures = followed.stop();
      if (code === 0) resolve({ stdout, figures });
      else reject(new Error(`pgbench exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** Per-transaction latencies from pgbench's --log files (the third field, in microseconds). */
async function loggedLatenciesMs(directory: string): Promise<number[]> {
  const latencies: number[] = [];
  for (const file of await readdir(directory)) {
    if (!file.startsWith('pgbench_log')) continue;
    for (const line of (await readFile(join(directory, file), 'utf8')).split('\n')) {
      const micros = Number(line.split(' ')[2]);
      if (line && Number.isFinite(micros)) latencies.push(micros / 1000);
    }
  }
  return latencies;
}

export async function measurePostgresAlone(context: BenchContext): Promise<Measurement> {
  const { options, environment } = context;
  const label = `pgbench, ${PGBENCH_CLIENTS} clients, 1 row of ${context.delivery.body.length.toLocaleString('en-US')} B of jsonb`;
  progress(`  ${'P'.padEnd(10)} ${label.padEnd(LABEL_WIDTH)} warm-up ${options.warmup} s ... `);
  const binary = await findPgbench();
  if (!binary)
    throw new Error('pgbench not found (it ships with Postgres: postgresql-client or /usr/lib/postgresql/*/bin)');
  const directory = await mkdtemp(join(os.tmpdir(), 'hookfleet-bench-pgbench-'));
  await environment.sql.query(`CREATE TABLE ${SCRATCH_TABLE} (id bigserial PRIMARY KEY, payload jsonb NOT NULL)`);
  try {
    const script = join(directory, 'insert.sql');
    const literal = context.delivery.body.toString('utf8').replaceAll("'", "''");
    await writeFile(script, `INSERT INTO ${SCRATCH_TABLE} (payload) VALUES ('${literal}');\n`);
    const common = [
      '--no-vacuum',
      '--protocol=simple',
      `--client=${PGBENCH_CLIENTS}`,
      `--jobs=${Math.min(PGBENCH_CLIENTS, os.cpus().length)}`,
      `--file=${script}`,
    ];
    await runPgbench(binary, [...common, `--time=${Math.ceil(options.warmup)}`, environment.databaseUrl]);
    progress(`measuring ${options.duration} s ... `);
    const window = openWindow([]);
    const run = await runPgbench(binary, [
      ...common,
      `--time=${Math.ceil(options.duration)}`,
      '--log',
      `--log-prefix=${join(directory, 'pgbench_log')}`,
      environment.databaseUrl,
    ]);
    const figures = window.close([run.figures]);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(run.stdout)?.[1] ?? 0);
    console.log(`${Math.round(tps).toLocaleString('en-US')} txn/s`);
    return {
      key: 'P',
      label,
      unit: 'txn/s',
      rate: tps,
      latencyMs: latencyOf(await loggedLatenciesMs(directory)),
      errors: failed,
      errorDetail: failed > 0 ? `${failed} failed transactions` : null,
      processes: figures.processes,
      benchCpu: figures.benchCpu,
      restCpu: figures.restCpu,
      notes: ['rest CPU here is mostly the Postgres backends'],
    };
  } finally {
    await environment.sql.query(`DROP TABLE IF EXISTS ${SCRATCH_TABLE}`);
    await rm(directory, { recursive: true, force: true });
  }
}
