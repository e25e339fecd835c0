// A worker that dies or freezes in the middle of a job: BullMQ hands the job to another worker once its
// lock expires, the job runs again, and the side-effect ledger plus the downstream's Idempotency-Key keep
// the outcome to one: one AgentAPI task, one completed workflow task, one processed event.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { parseConfig } from '@hookfleet/config';
import type { TestEnvironment } from '@hookfleet/devkit';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import { ingressConfigSchema, startIngress, type RunningIngress } from '@hookfleet/ingress';
import { startWorker, workerConfigSchema, type RunningWorker } from '@hookfleet/worker';
import { githubExample } from './fixtures.js';
import {
  FakeAgentApi,
  WEBHOOK_SECRET,
  deliver,
  spawnWorkerProcess,
  testEnvironment,
  waitFor,
  type RecordedRequest,
} from './harness.js';

/** Short, so that the test waits seconds, not the production 30 s, for a dead worker's lock to expire. */
const LOCK_MS = '2000';

let environment: TestEnvironment;
let ingress: RunningIngress;
let prisma: PrismaClient;
let agentApi: FakeAgentApi;
/** AgentAPI's side of the contract: one task per Idempotency-Key, a repeat answered with the same task. */
let created: Map<string, string>;
/** Until released, AgentAPI holds the first request of each key without answering; then it answers 503. */
let releaseFirst: () => void;

beforeAll(async () => {
  environment = await testEnvironment();
  ingress = await startIngress(
    parseConfig(ingressConfigSchema, {
      ...environment.env,
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    }),
  );
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 1 });
  agentApi = await new FakeAgentApi().start();
});

beforeEach(() => {
  created = new Map();
  agentApi.requests.length = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  releaseFirst = release;
  agentApi.respond = async (request: RecordedRequest) => {
    const key = String(request.headers['idempotency-key']);
    const existing = created.get(key);
    if (existing) return { status: 200, body: { id: existing } };
    // The first call of a key is held, then failed: only a run that has lost the event would see that
    // answer, and what it makes of it must not count.
    if (agentApi.requests.filter((seen) => seen.headers['idempotency-key'] === key).length === 1) {
      await released;
      return { status: 503, body: { error: 'answered after the caller was replaced' } };
    }
    const id = `agent-task-${created.size + 1}`;
    created.set(key, id);
    return { status: 201, body: { id } };
  };
});

afterAll(async () => {
  releaseFirst?.();
  await ingress?.stop();
  await prisma?.$disconnect();
  await agentApi?.stop();
  await environment?.cleanup();
});

function spawnWorker(): ChildProcess {
  return spawnWorkerProcess({
    ...environment.env,
    WORKER_QUEUES: 'recovery',
    WORKER_LOCK_DURATION_MS: LOCK_MS,
    // Every worker's stalled check also blocks the others' for this long (BullMQ's stalled-check key).
    WORKER_STALLED_INTERVAL_MS: '1000',
    AGENTAPI_BASE_URL: agentApi.url,
    LOG_LEVEL: 'info',
  });
}

/** The worker that takes over: checks for stalled jobs often. */
function startRescuer(env: Record<string, string> = {}): Promise<RunningWorker> {
  return startWorker(
    parseConfig(workerConfigSchema, {
      ...environment.env,
      WORKER_HEALTH_PORT: '0',
      WORKER_QUEUES: 'recovery',
      WORKER_LOCK_DURATION_MS: LOCK_MS,
      WORKER_STALLED_INTERVAL_MS: '300',
      AGENTAPI_BASE_URL: agentApi.url,
      ...env,
    }),
  );
}

/** A failed check run: one check_failure_analysis task on the recovery queue. */
async function deliverFailedCheck(prNumber: number) {
  const payload = githubExample('check_run', 'completed');
  const run = payload.check_run as Record<string, unknown>;
  const sent = await deliver(ingress.url, {
    event: 'check_run',
    payload: { ...payload, check_run: { ...run, conclusion: 'failure', pull_requests: [{ number: prNumber }] } },
  });
  expect(sent.status).toBe(202);
  return sent.body.eventId as string;
}

async function expectExactlyOnce(eventId: string) {
  const event = await waitFor(
    async () => {
      const row = await prisma.webhookEvent.findUniqueOrThrow({
        where: { id: eventId },
        include: { tasks: { include: { executions: true } } },
      });
      return row.status === 'processed' ? row : undefined;
    },
    'the event to be processed by the rescuing worker',
    30_000,
  );
  const keys = agentApi.requests.map((request) => request.headers['idempotency-key']);
  // Called twice (the first call's outcome died with its worker), under one key: one task at AgentAPI.
  expect(keys).toHaveLength(2);
  expect(new Set(keys).size).toBe(1);
  expect(created.size).toBe(1);
  expect(event.tasks).toHaveLength(1);
  expect(event.tasks[0]).toMatchObject({ status: 'completed', externalTaskId: [...created.values()][0] });
  // The re-run is the same attempt (a stall is not a failure), so it reuses the attempt's execution row.
  expect(event.tasks[0]!.executions.map((execution) => [execution.attempt, execution.status])).toEqual([
    [1, 'completed'],
  ]);
  const effects = await prisma.sideEffect.findMany({ where: { eventId } });
  expect(effects.map((effect) => [effect.kind, effect.status, effect.attempts])).toEqual([
    ['agentapi.submit', 'succeeded', 2],
  ]);
}

it(
  'a worker SIGKILLed while its call is in flight: the job runs again elsewhere, with one side effect',
  { timeout: 90_000 },
  async () => {
    const victim = spawnWorker();
    const exited = once(victim, 'exit');
    const eventId = await deliverFailedCheck(701);
    await waitFor(async () => (agentApi.requests.length === 1 ? true : undefined), 'the job to reach AgentAPI', 30_000);
    victim.kill('SIGKILL');
    await exited;
    // Dead mid-call: the ledger holds the call as started, outcome unknown.
    expect((await prisma.sideEffect.findMany({ where: { eventId } })).map((effect) => effect.status)).toEqual([
      'started',
    ]);

    releaseFirst();
    const rescuer = await startRescuer();
    try {
      await expectExactlyOnce(eventId);
    } finally {
      await rescuer.stop();
    }
  },
);

it(
  'a worker frozen past its lock (SIGSTOP): the job is taken over, and the late original changes nothing',
  { timeout: 90_000 },
  async () => {
    const frozen = spawnWorker();
    const exited = once(frozen, 'exit');
    let output = '';
    frozen.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const eventId = await deliverFailedCheck(702);
    await waitFor(async () => (agentApi.requests.length === 1 ? true : undefined), 'the job to reach AgentAPI', 30_000);
    // Frozen, it can renew no lock: after LOCK_MS the job counts as stalled.
    frozen.kill('SIGSTOP');
    const rescuer = await startRescuer();
    try {
      await expectExactlyOnce(eventId);

      // The original wakes up, gets its (deduplicated) answer and finishes its run: BullMQ refuses its
      // completion (the lock is gone), and nothing it writes adds a task, a call or an attempt.
      frozen.kill('SIGCONT');
      releaseFirst();
      await waitFor(
        // Superseded: it writes nothing. (Unfenced, it would record its 503 as a failure over the result.)
        async () => (/run superseded|task attempt failed/.test(output) ? true : undefined),
        'the frozen worker to finish its run',
        30_000,
      );
      await expectExactlyOnce(eventId);
    } finally {
      frozen.kill('SIGTERM');
      await exited;
      await rescuer.stop();
    }
  },
);

it(
  'a job that stalls past the limit is failed by BullMQ, and its event is dead, not left processing',
  { timeout: 90_000 },
  async () => {
    const victim = spawnWorker();
    const exited = once(victim, 'exit');
    const eventId = await deliverFailedCheck(703);
    await waitFor(async () => (agentApi.requests.length === 1 ? true : undefined), 'the job to reach AgentAPI', 30_000);
    victim.kill('SIGKILL');
    await exited;
    releaseFirst();
    // No stall allowed: the stalled check fails the job instead of running it again.
    const rescuer = await startRescuer({ WORKER_MAX_STALLED_COUNT: '0' });
    try {
      const event = await waitFor(
        async () => {
          const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
          return row.status === 'dead' ? row : undefined;
        },
        'the event to be dead',
        30_000,
      );
      expect(event.lastError).toContain('stalled more than allowable limit');
      // It did not run again: the only AgentAPI call is the killed worker's.
      expect(agentApi.requests).toHaveLength(1);
    } finally {
      await rescuer.stop();
    }
  },
);
