// Which failures are retried and how often, through the running stack: a permanent answer (4xx) kills the
// job at once, a retryable one (5xx, 408) is retried; the number of attempts follows the JOB_* defaults,
// then TASK_RETRY_POLICIES for the task type, then the source's own settings; past maxElapsedMs a failure
// is final whatever retries are left.
import { randomBytes } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS_QUEUE } from '@hookfleet/queue';
import { REDRIVE_SCHEDULER_ID } from '@hookfleet/admin';
import { Redis } from 'ioredis';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { githubExample } from './fixtures.js';
import {
  FakeAgentApi,
  adminGet,
  adminPost,
  deliver,
  startStack,
  waitFor,
  type RecordedRequest,
  type Stack,
} from './harness.js';

const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');
const TASK_RETRY_POLICIES = JSON.stringify({ push_analysis: { maxRetries: 0 } });

const prOf = (request: RecordedRequest) => (request.body as { pr_number: number | null }).pr_number ?? 0;

const environment = useTestEnvironment();
let agentApi: FakeAgentApi;
let stack: Stack;
/** AgentAPI's answer per pull request number (0: tasks of no pull request, e.g. pushes). */
const answers = new Map<number, (attempt: number) => number>();

beforeAll(async () => {
  agentApi = environment.stopAtEnd(await new FakeAgentApi().start());
  agentApi.respond = (request: RecordedRequest) => {
    const pr = prOf(request);
    const attempt = agentApi.requests.filter((seen) => prOf(seen) === pr).length;
    const status = answers.get(pr)?.(attempt) ?? 201;
    return { status, body: status < 300 ? { id: `agent-${pr}-${attempt}` } : { error: `answer ${status}` } };
  };
  stack = environment.stopAtEnd(
    await startStack(
      // Fast retries; the defaults allow 2 retries (3 attempts).
      { ...environment.env, JOB_MAX_RETRIES: '2', JOB_BACKOFF_DELAY_MS: '50' },
      {
        agentApiUrl: agentApi.url,
        // The ingress sets each job's attempts, so it is the app that must know the overrides.
        ingress: { SOURCE_SECRETS_KEY, TASK_RETRY_POLICIES },
        admin: { SOURCE_SECRETS_KEY, TASK_RETRY_POLICIES, DEAD_LETTER_REDRIVE_SCAN_MS: '300' },
        // Counting attempts here, not circuits (circuit.int.test.ts): failures in a row must not open it.
        worker: { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1000' },
      },
    ),
  );
});

const callsFor = (pr: number) => agentApi.requests.filter((request) => prOf(request) === pr).length;

function checkFailure(pr: number) {
  const payload = githubExample('check_run', 'completed');
  const run = payload.check_run as Record<string, unknown>;
  return { ...payload, check_run: { ...run, conclusion: 'failure', pull_requests: [{ number: pr }] } };
}

interface EventBody {
  status: string;
  error_message: string | null;
  job: { state: string; attempts_made: number; max_attempts: number } | null;
}

async function settled(eventId: string, status: 'processed' | 'dead'): Promise<EventBody> {
  const state = status === 'dead' ? 'failed' : 'completed';
  return waitFor(async () => {
    const { body } = await adminGet<EventBody>(stack.admin.url, `/api/v1/events/${eventId}`);
    return body.status === status && body.job?.state === state ? body : undefined;
  }, `event ${eventId} to be ${status}`);
}

async function send(payload: Record<string, unknown>, event = 'check_run', source?: { path: string; secret: string }) {
  const sent = await deliver(stack.ingress.url, { event, payload, ...source });
  expect(sent.status).toBe(202);
  return sent.body.eventId as string;
}

describe('error classes', () => {
  it('fails a permanent answer (422) at once, without using its retries', async () => {
    answers.set(801, () => 422);
    const event = await settled(await send(checkFailure(801)), 'dead');
    expect(callsFor(801)).toBe(1);
    expect(event.job).toMatchObject({ attempts_made: 1, max_attempts: 3 });
    expect(event.error_message).toContain('answered 422');
  });

  it('retries a retryable answer (503, then 408) and succeeds on the third attempt', async () => {
    answers.set(802, (attempt) => [503, 408][attempt - 1] ?? 201);
    await settled(await send(checkFailure(802)), 'processed');
    expect(callsFor(802)).toBe(3);
  });
});

describe('retry policy overrides', () => {
  it('gives a task type its own retries (TASK_RETRY_POLICIES: push_analysis none)', async () => {
    const payload = githubExample('push');
    const repository = payload.repository as { default_branch: string };
    const push = { ...payload, ref: `refs/heads/${repository.default_branch}`, deleted: false };
    const calls = () =>
      agentApi.requests.filter((request) => (request.body as { task_type: string }).task_type === 'push_analysis')
        .length;
    answers.set(0, () => 500);
    const event = await settled(await send(push, 'push'), 'dead');
    answers.delete(0);
    expect(calls()).toBe(1);
    expect(event.job).toMatchObject({ attempts_made: 1, max_attempts: 1 });
  });

  it('gives a source its own retries and time limit, over the task type and the defaults', async () => {
    const created = await adminPost<{ id: string; webhook_path: string; secret: string }>(
      stack.admin.url,
      '/api/v1/sources',
      { provider: 'github', name: 'patient', secret: 'patient-secret-value', settings: { retry: { maxRetries: 4 } } },
    );
    expect(created.status).toBe(201);
    const source = { path: created.body.webhook_path, secret: created.body.secret };
    answers.set(803, () => 500);
    const event = await settled(await send(checkFailure(803), 'check_run', source), 'dead');
    expect(callsFor(803)).toBe(5);
    expect(event.job).toMatchObject({ attempts_made: 5, max_attempts: 5 });

    const hurried = await adminPost<{ webhook_path: string; secret: string }>(stack.admin.url, '/api/v1/sources', {
      provider: 'github',
      name: 'hurried',
      secret: 'hurried-secret-value',
      settings: { retry: { maxRetries: 4, maxElapsedMs: 1 } },
    });
    answers.set(804, () => 500);
    const late = await settled(
      await send(checkFailure(804), 'check_run', { path: hurried.body.webhook_path, secret: hurried.body.secret }),
      'dead',
    );
    // Past its time limit on the first failure: final, with four retries unused.
    expect(callsFor(804)).toBe(1);
    expect(late.job).toMatchObject({ attempts_made: 1, max_attempts: 5 });
  });
});

describe('scheduled dead-letter re-drive', () => {
  it('retries a source’s dead event after its delay, up to its cap, then leaves it dead', async () => {
    const created = await adminPost<{ webhook_path: string; secret: string }>(stack.admin.url, '/api/v1/sources', {
      provider: 'github',
      name: 'redriven',
      secret: 'redriven-secret-value',
      settings: { deadLetterRedrive: { afterSeconds: 1, maxRedrives: 2 } },
    });
    expect(created.status).toBe(201);
    answers.set(805, () => 500);
    const eventId = await send(checkFailure(805), 'check_run', {
      path: created.body.webhook_path,
      secret: created.body.secret,
    });
    // Three attempts per run; the first run and two re-drives.
    await waitFor(async () => (callsFor(805) === 9 ? true : undefined), 'two re-drives of three attempts each', 30_000);
    const event = await settled(eventId, 'dead');
    expect(event.status).toBe('dead');
    // Two scheduled scans that started after it died, each finding it out of re-drives.
    const scans = new QueueEvents(OPERATIONS_QUEUE, {
      connection: new Redis(environment.env.REDIS_URL, { maxRetriesPerRequest: null }),
      prefix: environment.env.QUEUE_PREFIX,
    });
    let finishedScans = 0;
    scans.on('completed', ({ jobId }) => {
      if (jobId.startsWith(`repeat:${REDRIVE_SCHEDULER_ID}:`)) finishedScans += 1;
    });
    await scans.waitUntilReady();
    await waitFor(async () => (finishedScans >= 2 ? true : undefined), 'two more re-drive scans');
    await scans.close();
    await scans.disconnect();
    expect(callsFor(805)).toBe(9);
    const row = await stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(row.redrives).toBe(2);
  }, 60_000);
});
