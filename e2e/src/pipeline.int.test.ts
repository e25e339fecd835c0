import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '@hookfleet/queue';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { githubExample } from './fixtures.js';
import {
  AGENTAPI_KEY,
  FakeAgentApi,
  adminGet,
  adminPost,
  deliver,
  startStack,
  waitFor,
  type Stack,
} from './harness.js';

interface EventBody {
  id: string;
  status: string;
  generation: number;
  job_id: string | null;
  error_message: string | null;
  headers: Record<string, string>;
  normalized: Record<string, unknown>;
  validation: Record<string, unknown>;
  tasks: Array<{
    id: string;
    task_type: string;
    status: string;
    generation: number;
    external_task_id: string | null;
    executions: Array<{ status: string; attempt: number }>;
  }>;
  job: { state: string; attempts_made: number } | null;
}

const environment = useTestEnvironment();
let agentApi: FakeAgentApi;
let stack: Stack;

beforeAll(async () => {
  agentApi = environment.stopAtEnd(await new FakeAgentApi().start());
  stack = environment.stopAtEnd(
    await startStack(environment.env, {
      agentApiUrl: agentApi.url,
      // These tests fail AgentAPI many times in a row on purpose; circuit.int.test.ts tests the breaker.
      worker: { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1000' },
    }),
  );
});

beforeEach(() => {
  agentApi.requests.length = 0;
  agentApi.respond = (request) => ({
    status: 201,
    body: { id: `agent-${agentApi.requests.indexOf(request) + 1}`, url: 'https://agent.example/t' },
  });
});

/**
 * The event in `status` with its job settled too: the worker records the outcome in Postgres just before
 * BullMQ records it in Redis, so for a moment the row is final and the job is not.
 */
async function eventWhen(eventId: string, status: string): Promise<EventBody> {
  const settled = status === 'dead' ? 'failed' : 'completed';
  return waitFor(async () => {
    const { body } = await adminGet<EventBody>(stack.admin.url, `/api/v1/events/${eventId}`);
    return body.status === status && body.job?.state === settled ? body : undefined;
  }, `event ${eventId} to be ${status} with its job ${settled}`);
}

async function failedJobIds(): Promise<string[]> {
  const redis = new Redis(environment.env.REDIS_URL, { maxRetriesPerRequest: null });
  const ids: string[] = [];
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection: redis, prefix: environment.env.QUEUE_PREFIX });
    ids.push(...(await queue.getFailed()).map((job) => job.id ?? ''));
    await queue.close();
  }
  redis.disconnect();
  return ids;
}

describe('a signed pull_request opened delivery', () => {
  it('is accepted, processed once, and visible with its tasks through the admin API', async () => {
    const payload = githubExample('pull_request', 'opened');
    const sent = await deliver(stack.ingress.url, { event: 'pull_request', payload });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ status: 'accepted', deliveryId: sent.deliveryId, queue: 'validation' });
    const eventId = sent.body.eventId as string;

    const event = await eventWhen(eventId, 'processed');
    // The analysis went to AgentAPI; MAS's review is recorded only, MAS not being configured here.
    expect(event.tasks.map((task) => [task.task_type, task.status])).toEqual([
      ['pull_request_analysis', 'completed'],
      ['review_pull_request', 'completed'],
    ]);
    expect(event.tasks[0]).toMatchObject({
      task_type: 'pull_request_analysis',
      status: 'completed',
      external_task_id: 'agent-1',
    });
    expect(event.tasks[0]!.executions).toMatchObject([{ status: 'completed', attempt: 1 }]);
    expect(event.headers['x-hub-signature-256']).toBe('[redacted]');
    expect(event.normalized).toMatchObject({
      provider: 'github',
      eventType: 'pull_request',
      action: 'opened',
      repository: (payload.repository as { full_name: string }).full_name,
    });
    expect(event.validation).toMatchObject({ checked: ['github:pull_request.opened'] });
    expect(event.job?.state).toBe('completed');

    // AgentAPI saw the task exactly once, authenticated, keyed by the task and the job.
    expect(agentApi.requests).toHaveLength(1);
    expect(agentApi.requests[0]!.headers.authorization).toBe(`Bearer ${AGENTAPI_KEY}`);
    expect(agentApi.requests[0]!.headers['idempotency-key']).toBe(
      `task:${event.tasks[0]!.id}:${event.job_id}:agentapi`,
    );
    expect(agentApi.requests[0]!.body).toMatchObject({
      task_type: 'pull_request_analysis',
      pr_number: (payload.pull_request as { number: number }).number,
    });

    const tasks = await adminGet<{ data: Array<{ webhook_event_id: string }> }>(
      stack.admin.url,
      '/api/v1/tasks?task_type=pull_request_analysis',
    );
    expect(tasks.body.data.filter((task) => task.webhook_event_id === eventId)).toHaveLength(1);
    // Counted once each: the tasks made, their attempts, the event from receipt to processed.
    const metrics = await (await fetch(`${stack.worker.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/workflow_tasks_total\{task_type="pull_request_analysis"[^}]*\} 1\n/);
    expect(metrics).toMatch(/task_executions_total\{task_type="pull_request_analysis",status="completed"[^}]*\} 1\n/);
    expect(metrics).toMatch(
      /webhook_processing_duration_seconds_count\{[^}]*queue="validation",provider="github",status="processed"[^}]*\} 1\n/,
    );
    expect(metrics).toMatch(/downstream_requests_total\{downstream="agentapi",outcome="succeeded"[^}]*\} 1\n/);
  });
});

describe('a forged delivery', () => {
  it('gets 401 and writes nothing to Postgres or Redis', async () => {
    const before = await stack.prisma.webhookEvent.count();
    const sent = await deliver(stack.ingress.url, {
      event: 'pull_request',
      payload: githubExample('pull_request', 'opened'),
      secret: 'not-the-secret',
    });
    expect(sent.status).toBe(401);
    expect(sent.body).toMatchObject({
      code: 'invalid_signature',
      status_code: 401,
      path: '/webhooks/github',
      correlation_id: sent.deliveryId,
    });
    expect(await stack.prisma.webhookEvent.count()).toBe(before);
    const row = await stack.prisma.webhookEvent.findFirst({ where: { deliveryId: sent.deliveryId } });
    expect(row).toBeNull();
  });
});

describe('a redelivery', () => {
  it('answers 200 duplicate with the same event and keeps one row; a changed body under the same id is a 409', async () => {
    const payload = githubExample('push');
    const first = await deliver(stack.ingress.url, { event: 'push', payload });
    expect(first.status).toBe(202);
    const again = await deliver(stack.ingress.url, { event: 'push', payload, deliveryId: first.deliveryId });
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: first.body.eventId } });

    const changed = await deliver(stack.ingress.url, {
      event: 'push',
      payload: { ...payload, after: 'f'.repeat(40) },
      deliveryId: first.deliveryId,
    });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('delivery_conflict');
    expect(await stack.prisma.webhookEvent.count({ where: { deliveryId: first.deliveryId } })).toBe(1);
  });
});

describe('a downstream that keeps failing', () => {
  it('ends with the event dead, its job in the failed set, and the admin API showing why; retry and reprocess then recover it once', async () => {
    agentApi.respond = () => ({ status: 500, body: { error: 'boom' } });
    const sent = await deliver(stack.ingress.url, {
      event: 'pull_request',
      payload: githubExample('pull_request', 'opened'),
    });
    const eventId = sent.body.eventId as string;

    const dead = await eventWhen(eventId, 'dead');
    const attempts = Number(environment.env.JOB_MAX_RETRIES) + 1;
    expect(agentApi.requests).toHaveLength(attempts);
    expect(dead.error_message).toContain('answered 500');
    expect(dead.job).toMatchObject({ state: 'failed', attempts_made: attempts });
    expect(dead.tasks).toHaveLength(1);
    expect(dead.tasks[0]!.status).toBe('dead');
    expect(dead.tasks[0]!.executions.map((execution) => execution.status)).toEqual(Array(attempts).fill('failed'));
    expect(await failedJobIds()).toContain(dead.job_id);

    const deadTasks = await adminGet<{ data: Array<{ id: string }> }>(stack.admin.url, '/api/v1/tasks?status=dead');
    expect(deadTasks.body.data.map((task) => task.id)).toContain(dead.tasks[0]!.id);

    // Retry the task once the downstream is back: one more attempt, the same task, then processed.
    agentApi.respond = () => ({ status: 201, body: { id: 'agent-recovered' } });
    agentApi.requests.length = 0;
    const taskId = dead.tasks[0]!.id;
    const retried = await adminPost(stack.admin.url, `/api/v1/tasks/${taskId}/retry`);
    expect(retried.status).toBe(202);
    const recovered = await eventWhen(eventId, 'processed');
    // The review task, behind the analysis in the plan, ran once the analysis succeeded.
    expect(recovered.tasks.map((task) => task.task_type)).toEqual(['pull_request_analysis', 'review_pull_request']);
    expect(recovered.tasks[0]).toMatchObject({ id: taskId, status: 'completed', external_task_id: 'agent-recovered' });
    expect(agentApi.requests).toHaveLength(1);
    // The dead job left the dead-letter queue when its task was retried.
    expect(await failedJobIds()).not.toContain(dead.job_id);

    // A completed task cannot be retried again.
    const again = await adminPost(stack.admin.url, `/api/v1/tasks/${taskId}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('task_not_failed');
  });
});

describe('a downstream that asks to slow down', () => {
  it('delays the retry by its Retry-After, then processes the event once it is due', async () => {
    agentApi.respond = () =>
      agentApi.requests.length === 1
        ? { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '30' } }
        : { status: 201, body: { id: 'agent-later' } };
    const sent = await deliver(stack.ingress.url, {
      event: 'pull_request',
      payload: githubExample('pull_request', 'opened'),
    });
    const eventId = sent.body.eventId as string;
    const redis = new Redis(environment.env.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('validation', { connection: redis, prefix: environment.env.QUEUE_PREFIX });
    try {
      const { body } = await adminGet<{ job_id: string }>(stack.admin.url, `/api/v1/events/${eventId}`);
      const job = await waitFor(async () => {
        const candidate = await queue.getJob(body.job_id);
        return candidate && (await candidate.isDelayed()) ? candidate : undefined;
      }, 'the job to wait in the delayed set');
      // BullMQ stores the delay its backoff strategy chose: at least the 30 s asked for.
      expect(job.delay).toBeGreaterThanOrEqual(30_000);
      expect((await adminGet<EventBody>(stack.admin.url, `/api/v1/events/${eventId}`)).body.status).toBe('failed');
      await job.promote();
      const done = await eventWhen(eventId, 'processed');
      expect(done.tasks[0]).toMatchObject({ status: 'completed', external_task_id: 'agent-later' });
      expect(agentApi.requests).toHaveLength(2);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});

describe('reprocess', () => {
  it('runs a processed event again as a new generation, once, however many times it is asked at once', async () => {
    const sent = await deliver(stack.ingress.url, {
      event: 'check_run',
      payload: {
        ...githubExample('check_run', 'completed'),
        check_run: { ...(githubExample('check_run', 'completed').check_run as object), conclusion: 'failure' },
      },
    });
    expect(sent.body.queue).toBe('recovery');
    const eventId = sent.body.eventId as string;
    await eventWhen(eventId, 'processed');
    agentApi.requests.length = 0;

    // Losers of the race either see the claim (409) or the freshly claimed generation, which they
    // dispatch again under the same job id (a no-op): never a second generation, never a second job.
    const answers = await Promise.all(
      [1, 2, 3].map(() => adminPost(stack.admin.url, `/api/v1/events/${eventId}/reprocess`)),
    );
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((answer) => answer.status !== 202).map((answer) => answer.status)).toEqual(
      Array(3 - accepted.length).fill(409),
    );
    expect(new Set(accepted.map((answer) => `${answer.body.generation}/${answer.body.job_id}`))).toEqual(
      new Set([`1/${accepted[0]!.body.job_id}`]),
    );

    const reprocessed = await waitFor(async () => {
      const { body } = await adminGet<EventBody>(stack.admin.url, `/api/v1/events/${eventId}`);
      return body.status === 'processed' && body.generation === 1 ? body : undefined;
    }, 'generation 1 to be processed');
    expect(reprocessed.tasks.map((task) => [task.generation, task.task_type, task.status])).toEqual([
      [0, 'check_failure_analysis', 'completed'],
      [1, 'check_failure_analysis', 'completed'],
    ]);
    expect(agentApi.requests).toHaveLength(1);
  });

  it('refuses unknown ids with 404 and malformed ones with 400', async () => {
    const unknown = await adminPost(stack.admin.url, '/api/v1/events/00000000-0000-4000-8000-000000000000/reprocess');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'event_not_found' } });
    const malformed = await adminPost(stack.admin.url, '/api/v1/events/not-a-uuid/reprocess');
    expect(malformed).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
  });
});

describe('the dead-letter queue', () => {
  it('lists dead jobs with their event and error, retries one, discards another, and re-drives by filter', async () => {
    agentApi.respond = () => ({ status: 500, body: { error: 'down' } });
    const dead = async (number: number) => {
      const payload = githubExample('pull_request', 'opened');
      const pr = payload.pull_request as Record<string, unknown>;
      const sent = await deliver(stack.ingress.url, {
        event: 'pull_request',
        payload: { ...payload, number, pull_request: { ...pr, number } },
      });
      return (await eventWhen(sent.body.eventId as string, 'dead')).id;
    };
    const [toRetry, toDiscard, toRedrive] = [await dead(9001), await dead(9002), await dead(9003)];

    type DeadLetter = { queue: string; job_id: string; event_id: string; error_message: string; attempts_made: number };
    const list = await adminGet<{ data: DeadLetter[] }>(stack.admin.url, '/api/v1/dead-letters?queue=validation');
    const letters = new Map(list.body.data.map((letter) => [letter.event_id, letter]));
    for (const id of [toRetry, toDiscard, toRedrive]) {
      expect(letters.get(id)).toMatchObject({ queue: 'validation', attempts_made: 3 });
      expect(letters.get(id)!.error_message).toContain('500');
    }

    agentApi.respond = () => ({ status: 201, body: { id: 'agent-again' } });
    const retried = await adminPost(
      stack.admin.url,
      `/api/v1/dead-letters/validation/${letters.get(toRetry)!.job_id}/retry`,
    );
    expect(retried).toMatchObject({ status: 202, body: { as: 'task_retry', event_id: toRetry } });
    await eventWhen(toRetry, 'processed');

    const discarded = await adminPost(
      stack.admin.url,
      `/api/v1/dead-letters/validation/${letters.get(toDiscard)!.job_id}/discard`,
    );
    expect(discarded.status).toBe(200);
    expect((await stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id: toDiscard } })).status).toBe('discarded');
    expect(await failedJobIds()).not.toContain(letters.get(toDiscard)!.job_id);

    // Re-drive by filter: only the matching dead event (the discarded one is no longer dead).
    const redrive = await adminPost<{ operation_id: string }>(stack.admin.url, '/api/v1/dead-letters/retry', {
      filter: { payload: { 'pull_request.number': 9003 } },
    });
    expect(redrive.status).toBe(202);
    await eventWhen(toRedrive, 'processed');
    const operation = await waitFor(async () => {
      const { body } = await adminGet<{ state: string; result: { total: number; done: number } }>(
        stack.admin.url,
        `/api/v1/operations/${redrive.body.operation_id}`,
      );
      return body.state === 'completed' ? body : undefined;
    }, 'the re-drive to finish');
    expect(operation.result).toMatchObject({ total: 1, done: 1 });
    expect((await stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id: toDiscard } })).status).toBe('discarded');

    // The one retried by hand and the one re-driven; a retry of a job no longer dead is refused and counted so.
    const again = await adminPost(
      stack.admin.url,
      `/api/v1/dead-letters/validation/${letters.get(toDiscard)!.job_id}/retry`,
    );
    expect(again.status).toBe(404);
    const metrics = await (await fetch(`${stack.admin.url}/metrics`)).text();
    expect(metrics).toMatch(/webhook_dlq_retries_total\{status="queued"[^}]*\} 2/);
    expect(metrics).toMatch(/webhook_dlq_retries_total\{status="refused"[^}]*\} 1/);
    expect(metrics).toMatch(/webhook_dlq_depth\{queue="validation"[^}]*\} \d+/);
  });
});
