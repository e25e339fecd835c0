import { randomBytes, randomUUID } from 'node:crypto';
import type { PrismaClient } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import type { RunningAdmin } from './admin.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const CALLBACK_PATH = '/api/v1/mas/callback';

const environment = useTestEnvironment();
let prisma: PrismaClient;
let server: RunningAdmin;
/** The same app with MAS_CALLBACK_SECRET unset. */
let unconfiguredServer: RunningAdmin;

beforeAll(async () => {
  const token = 'admin-test-token-0123456789';
  server = environment.stopAtEnd(await startTestAdmin(environment.env, token, { MAS_CALLBACK_SECRET: SECRET }));
  unconfiguredServer = environment.stopAtEnd(await startTestAdmin(environment.env, token));
  prisma = environment.prisma;
});

/** A running review_pull_request task whose MAS task id is `externalTaskId`, with its event. */
async function runningReviewTask(externalTaskId: string, taskType = 'review_pull_request') {
  const event = await prisma.webhookEvent.create({
    data: {
      provider: 'github',
      headers: {},
      payload: {},
      bodySha256: 'x',
      hookId: '1',
      deliveryId: randomUUID(),
      eventType: 'pull_request',
      action: 'opened',
      repository: 'octo/one',
      queue: 'validation',
      status: 'processing',
    },
  });
  return prisma.workflowTask.create({
    data: {
      eventId: event.id,
      generation: 0,
      taskType,
      status: 'running',
      repository: 'octo/one',
      prNumber: 7,
      input: {},
      output: { submission: { task_id: externalTaskId } },
      maxRetries: 3,
      externalTaskId,
      startedAt: new Date(),
    },
  });
}

const taskRow = (id: string) => prisma.workflowTask.findUniqueOrThrow({ where: { id } });

async function sendCallback(
  body: unknown,
  options: { secret?: string; baseUrl?: string; headers?: Record<string, string> } = {},
) {
  const text = JSON.stringify(body);
  const webhookId = `msg_${randomUUID()}`;
  const sentAt = new Date();
  const headers = options.headers ?? {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(options.secret ?? SECRET).sign(webhookId, sentAt, text),
  };
  const response = await fetch(`${options.baseUrl ?? server.url}${CALLBACK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /api/v1/mas/callback', () => {
  it('completes the task, keeping its output and adding MAS result', async () => {
    const task = await runningReviewTask('mas-1');
    const result = { summary: 'Looks good', comments: [{ path: 'src/a.ts', line: 3 }] };

    const answer = await sendCallback({ task_id: 'mas-1', status: 'completed', result });

    expect(answer).toEqual({ status: 200, body: { status: 'completed', task_id: task.id } });
    const row = await taskRow(task.id);
    expect(row.status).toBe('completed');
    expect(row.output).toEqual({ submission: { task_id: 'mas-1' }, mas: result });
    expect(row.completedAt).toBeInstanceOf(Date);
    expect(row.error).toBeNull();
  });

  it('answers already_completed to a repeated callback and changes nothing', async () => {
    const task = await runningReviewTask('mas-repeat');
    await sendCallback({ task_id: 'mas-repeat', status: 'completed', result: { summary: 'first' } });
    const before = await taskRow(task.id);

    const repeat = await sendCallback({ task_id: 'mas-repeat', status: 'completed', result: { summary: 'second' } });
    const lateFailure = await sendCallback({ task_id: 'mas-repeat', status: 'failed', error: 'late' });

    expect(repeat).toEqual({ status: 200, body: { status: 'already_completed', task_id: task.id } });
    expect(lateFailure.body).toMatchObject({ status: 'already_completed' });
    expect(await taskRow(task.id)).toEqual(before);
  });

  it('marks the task dead with MAS error on a failed callback', async () => {
    const task = await runningReviewTask('mas-fail');

    const answer = await sendCallback({ task_id: 'mas-fail', status: 'failed', error: 'repository not reachable' });

    expect(answer).toEqual({ status: 200, body: { status: 'failed', task_id: task.id } });
    const row = await taskRow(task.id);
    expect(row.status).toBe('dead');
    expect(row.error).toBe('repository not reachable');
    expect(row.output).toEqual({ submission: { task_id: 'mas-fail' } });
  });

  it('refuses a forged or missing signature with 401 and leaves the task alone', async () => {
    const task = await runningReviewTask('mas-forged');
    const before = await taskRow(task.id);
    const body = { task_id: 'mas-forged', status: 'completed', result: { summary: 'forged' } };

    const forged = await sendCallback(body, { secret: `whsec_${randomBytes(32).toString('base64')}` });
    const unsigned = await sendCallback(body, { headers: {} });

    expect(forged).toMatchObject({
      status: 401,
      body: { code: 'invalid_signature', status_code: 401, path: CALLBACK_PATH },
    });
    expect(unsigned).toMatchObject({ status: 401, body: { code: 'missing_signature' } });
    expect(await taskRow(task.id)).toEqual(before);
  });

  it('answers 404 task_not_found for an unknown MAS task id or a task of another type', async () => {
    await runningReviewTask('mas-other-type', 'pull_request_analysis');

    expect(await sendCallback({ task_id: 'mas-unknown', status: 'completed' })).toMatchObject({
      status: 404,
      body: { code: 'task_not_found' },
    });
    expect(await sendCallback({ task_id: 'mas-other-type', status: 'completed' })).toMatchObject({
      status: 404,
      body: { code: 'task_not_found' },
    });
  });

  it('answers 400 invalid_request to a signed body of the wrong shape', async () => {
    const task = await runningReviewTask('mas-bad-body');

    const answer = await sendCallback({ task_id: 'mas-bad-body', status: 'done' });

    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect((await taskRow(task.id)).status).toBe('running');
  });

  it('answers 404 not_found when no secret is configured', async () => {
    const task = await runningReviewTask('mas-unconfigured');

    const answer = await sendCallback(
      { task_id: 'mas-unconfigured', status: 'completed' },
      { baseUrl: unconfiguredServer.url },
    );

    expect(answer).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((await taskRow(task.id)).status).toBe('running');
  });
});
