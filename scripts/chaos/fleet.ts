// The system under test as production runs it: each app its own process (its main(), its signals), a
// redis-server of the suite's own, and TCP proxies in front of Postgres and Redis through which faults are
// injected. The machine's shared Postgres and Redis are never stopped or flushed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTcpProxy, type TcpProxy } from '@hookfleet/devkit';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** One app process, restartable with the same port and env. */
export class AppProcess {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly name: string,
    private readonly entry: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The app's process id while it runs (the benchmark reads its CPU and memory from /proc). */
  get pid(): number | null {
    return this.running ? (this.child?.pid ?? null) : null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    this.output = '';
    // CHAOS_LOG_DIR keeps each app's log lines (JSON on stdout), one file per app.
    const logDir = process.env.CHAOS_LOG_DIR;
    const log = logDir ? openSync(join(logDir, `${this.name}.log`), 'a') : 'ignore';
    const child = spawn(process.execPath, ['--conditions=@hookfleet/source', '--import', 'tsx', this.entry], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env, ...(logDir ? { LOG_LEVEL: 'warn' } : {}) },
      stdio: ['ignore', log, 'pipe'],
    });
    if (typeof log === 'number') closeSync(log);
    // Only the last few KB of stderr, for a start that fails.
    child.stderr!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    this.child = child;
    await waitUntil(async () => {
      if (!this.running) throw new Error(`${this.name} exited at start: ${this.output}`);
      return (await fetch(`${this.url}/health/live`)).ok;
    }, `${this.name} to listen`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** SIGKILL, at once: no drain, nothing flushed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  /** SIGTERM and the app's own drain. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/** A redis-server of the suite's own, without persistence (as the shared one runs). */
export class RedisServer {
  private child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitUntil(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect(this.port, '127.0.0.1', () => {
            socket.end();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      'redis-server to listen',
      20_000,
    );
  }

  /** Killed and started again: everything it held is gone, as after a failover without persistence. */
  async restartEmpty(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

export interface Fleet {
  ingress: AppProcess;
  workers: AppProcess[];
  admin: AppProcess;
  redis: RedisServer;
  postgresProxy: TcpProxy;
  redisProxy: TcpProxy;
  apps(): AppProcess[];
  stop(): Promise<void>;
}

export const WEBHOOK_SECRET = 'chaos-webhook-secret';
export const ADMIN_TOKEN = 'chaos-admin-token-0123456789';

export async function startFleet(options: {
  databaseUrl: string;
  queuePrefix: string;
  workers: number;
  agentApiUrl: string;
  slackUrl: string;
}): Promise<Fleet> {
  const redis = new RedisServer(await freePort());
  await redis.start();
  const database = new URL(options.databaseUrl);
  const postgresProxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  const redisProxy = await startTcpProxy({ port: redis.port });
  database.host = `127.0.0.1:${postgresProxy.port}`;
  const common = {
    DATABASE_URL: database.toString(),
    REDIS_URL: redisProxy.url('redis'),
    QUEUE_PREFIX: options.queuePrefix,
    LOG_LEVEL: 'error',
    NODE_ENV: 'production',
    DATABASE_POOL_MAX: '10',
    DATABASE_CONNECT_TIMEOUT_MS: '2000',
    WEBHOOK_STORE_TIMEOUT_MS: '4000',
  };
  const ingressPort = await freePort();
  const ingress = new AppProcess('ingress', 'apps/ingress/src/main.ts', ingressPort, {
    ...common,
    WEBHOOK_PORT: String(ingressPort),
    WEBHOOK_HOST: '127.0.0.1',
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // The load comes from one address: the per-address and per-repository limits would refuse it.
    WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '0',
    WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: '0',
  });
  const workers: AppProcess[] = [];
  for (let i = 0; i < options.workers; i++) {
    const port = await freePort();
    workers.push(
      new AppProcess(`worker-${i + 1}`, 'apps/worker/src/main.ts', port, {
        ...common,
        WORKER_HEALTH_PORT: String(port),
        WORKER_CONCURRENCY: '10',
        // Short locks, so a frozen or killed worker's jobs move on within seconds.
        WORKER_LOCK_DURATION_MS: '5000',
        WORKER_STALLED_INTERVAL_MS: '5000',
        WORKER_SHUTDOWN_TIMEOUT_MS: '10000',
        AGENTAPI_BASE_URL: options.agentApiUrl,
        AGENTAPI_API_KEY: 'chaos',
        SLACK_WEBHOOK_URL: options.slackUrl,
        DOWNSTREAM_TIMEOUT_MS: '5000',
      }),
    );
  }
  const adminPort = await freePort();
  const admin = new AppProcess('admin', 'apps/admin/src/main.ts', adminPort, {
    ...common,
    ADMIN_PORT: String(adminPort),
    ADMIN_HOST: '127.0.0.1',
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ADMIN_COOKIE_SECURE: 'false',
    RECONCILE_INTERVAL_MS: '2000',
    RECONCILE_STALE_AFTER_MS: '5000',
    SCHEDULER_CHECK_MS: '2000',
  });
  await Promise.all([ingress.start(), admin.start(), ...workers.map((worker) => worker.start())]);
  const apps = () => [ingress, admin, ...workers];
  return {
    ingress,
    workers,
    admin,
    redis,
    postgresProxy,
    redisProxy,
    apps,
    async stop() {
      await Promise.all(apps().map((app) => app.stop().catch(() => app.kill())));
      await postgresProxy.close();
      await redisProxy.close();
      await redis.stop();
    },
  };
}
