// SIGTERM during a job: the worker stops taking jobs, finishes the running one, exits 0, and nothing is
// lost: a delivery that arrives meanwhile waits in Redis for the next worker.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '@hookfleet/config';
import type { TestEnvironment } from '@hookfleet/devkit';
import { ingressConfigSchema, startIngress, type RunningIngress } from '@hookfleet/ingress';
import { startWorker, workerConfigSchema } from '@hookfleet/worker';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import { githubExample } from './fixtures.js';
import { FakeAgentApi, WEBHOOK_SECRET, deliver, spawnWorkerProcess, testEnvironment, waitFor } from './harness.js';

let environment: TestEnvironment;
let agentApi: FakeAgentApi;
let ingress: RunningIngress;
let prisma: PrismaClient;

beforeAll(async () => {
  environment = await testEnvironment();
  agentApi = await new FakeAgentApi().start();
  ingress = await startIngress(
    parseConfig(ingressConfigSchema, {
      ...environment.env,
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    }),
  );
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 1 });
});

afterAll(async () => {
  await ingress?.stop();
  await prisma?.$disconnect();
  await agentApi?.stop();
  await environment?.cleanup();
});

/** The worker as production runs it: its own process, its own main(). */
function spawnWorker(): ChildProcess {
  return spawnWorkerProcess({
    ...environment.env,
    AGENTAPI_BASE_URL: agentApi.url,
    WORKER_SHUTDOWN_TIMEOUT_MS: '20000',
  });
}

it(
  'finishes the running job, exits 0, and leaves later deliveries queued for the next worker',
  { timeout: 60_000 },
  async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    agentApi.respond = async () => {
      await released;
      return { status: 201, body: { id: 'agent-slow' } };
    };

    const worker = spawnWorker();
    let output = '';
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(worker, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    const first = await deliver(ingress.url, {
      event: 'pull_request',
      payload: githubExample('pull_request', 'opened'),
    });
    expect(first.status).toBe(202);
    await waitFor(async () => (agentApi.requests.length === 1 ? true : undefined), 'the job to reach AgentAPI', 30_000);

    worker.kill('SIGTERM');
    await waitFor(async () => (output.includes('SIGTERM received') ? true : undefined), 'the worker to see SIGTERM');
    // Arrives while the worker drains: it must not be taken.
    const second = await deliver(ingress.url, {
      event: 'pull_request',
      payload: githubExample('pull_request', 'opened'),
    });
    expect(second.status).toBe(202);
    release();

    const [code, signal] = await exited;
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });

    const firstEvent = await prisma.webhookEvent.findUniqueOrThrow({
      where: { id: first.body.eventId as string },
      include: { tasks: { include: { executions: true }, orderBy: { createdAt: 'asc' } } },
    });
    expect(firstEvent.status).toBe('processed');
    expect(firstEvent.tasks.map((task) => [task.taskType, task.status])).toEqual([
      ['pull_request_analysis', 'completed'],
      ['review_pull_request', 'completed'],
    ]);
    expect(firstEvent.tasks[0]!.executions.map((execution) => execution.status)).toEqual(['completed']);
    expect(agentApi.requests).toHaveLength(1);

    const waiting = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: second.body.eventId as string } });
    expect(waiting.status).toBe('queued');

    // The next worker picks it up.
    agentApi.respond = () => ({ status: 201, body: { id: 'agent-next' } });
    const next = await startWorker(
      parseConfig(workerConfigSchema, { ...environment.env, WORKER_HEALTH_PORT: '0', AGENTAPI_BASE_URL: agentApi.url }),
    );
    try {
      await waitFor(async () => {
        const event = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: second.body.eventId as string } });
        return event.status === 'processed' ? event : undefined;
      }, 'the queued delivery to be processed by the next worker');
    } finally {
      await next.stop();
    }
    expect(agentApi.requests).toHaveLength(2);
  },
);
