// The worker's integrations through the whole running stack: every downstream (AgentAPI, Codegen, MAS,
// Linear, Slack) and every forward target is a real HTTP server on loopback; sources are made through the
// admin API and delivered to through the ingress, as an operator and a sender would.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { forwardJobId, type QueueName } from '@hookfleet/queue';
import { githubExample } from './fixtures.js';
import {
  FakeDownstream,
  adminGet,
  adminPost,
  deliver,
  startStack,
  waitFor,
  type RecordedRequest,
  type Stack,
} from './harness.js';

const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');
const CODEGEN_TOKEN = 'e2e-codegen-token';
const CODEGEN_ORG_ID = 'org-7';
const MAS_API_KEY = 'e2e-mas-key';
const MAS_CALLBACK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** MAS is told to answer here; the test plays MAS and sends the callback to the admin app on this path. */
const MAS_CALLBACK_URL = 'http://admin.hookfleet.test/api/v1/mas/callback';
const LINEAR_API_KEY = 'lin_api_e2e';

/** Pull request numbers, one per test: events of one pull request wait for each other. */
const PR = {
  mention: 101,
  noMention: 102,
  dead: 103,
  opened: 201,
  forward: 301,
  forwardRefused: 302,
  transform: 401,
  transformLoop: 402,
  transformHeap: 403,
  transformOutput: 404,
  transformBeside: 405,
} as const;

interface TaskBody {
  id: string;
  task_type: string;
  status: string;
  external_task_id: string | null;
  external_task_url: string | null;
  output_data: Record<string, unknown> | null;
  error_message: string | null;
}

interface EventBody {
  id: string;
  status: string;
  job_id: string | null;
  queue: QueueName;
  transformed: unknown;
  error_message: string | null;
  forward_attempts: Array<{ attempt: number; url: string; status_code: number | null; error_message: string | null }>;
  tasks: TaskBody[];
  job: { state: string; attempts_made: number } | null;
}

const environment = useTestEnvironment();
let agentApi: FakeDownstream;
let codegen: FakeDownstream;
let mas: FakeDownstream;
let linear: FakeDownstream;
let slack: FakeDownstream;
let receiver: FakeDownstream;
let stack: Stack;

beforeAll(async () => {
  agentApi = await new FakeDownstream().start();
  // Codegen fails for the pull request of the dead-task test, and only for it.
  codegen = await new FakeDownstream((request) =>
    prNumberOf(request) === PR.dead
      ? { status: 500, body: { error: 'codegen is down' } }
      : {
          status: 201,
          body: {
            id: 9000 + codegen.requests.indexOf(request),
            web_url: `https://codegen.example/runs/${prNumberOf(request)}`,
          },
        },
  ).start();
  mas = await new FakeDownstream((request) => ({
    status: 202,
    // A task id per submission, as MAS makes them.
    body: { task_id: `mas-${masMetadata(request).pr_number}-${mas.requests.indexOf(request)}`, status: 'queued' },
  })).start();
  linear = await new FakeDownstream(() => ({
    status: 200,
    body: { data: { commentCreate: { success: true, comment: { id: `comment-${linear.requests.length}` } } } },
  })).start();
  slack = await new FakeDownstream(() => ({ status: 200, text: 'ok' })).start();
  receiver = await new FakeDownstream(() => ({ status: 204, text: '' })).start();
  for (const server of [agentApi, codegen, mas, linear, slack, receiver]) environment.stopAtEnd(server);

  const sources = { SOURCE_SECRETS_KEY };
  stack = environment.stopAtEnd(
    await startStack(environment.env, {
      agentApiUrl: agentApi.url,
      ingress: sources,
      // A short deadline keeps the transform-limit tests quick.
      admin: { ...sources, MAS_CALLBACK_SECRET, TRANSFORM_TIMEOUT_MS: '1000' },
      worker: {
        ...sources,
        TRANSFORM_TIMEOUT_MS: '1000',
        CODEGEN_BASE_URL: codegen.url,
        CODEGEN_TOKEN,
        CODEGEN_ORG_ID,
        MAS_BASE_URL: mas.url,
        MAS_API_KEY,
        MAS_CALLBACK_URL,
        LINEAR_API_KEY,
        LINEAR_API_URL: `${linear.url}/graphql`,
        SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/secret`,
        DOWNSTREAM_TIMEOUT_MS: '2000',
      },
    }),
  );
});

// --- what the fakes received, per pull request --------------------------------------------------------

function prNumberOf(request: RecordedRequest): number | undefined {
  return (request.body as { metadata?: { pr_number?: number } } | null)?.metadata?.pr_number;
}

function masMetadata(request: RecordedRequest) {
  return (request.body as { payload: { metadata: { repo: string; pr_number: number } } }).payload.metadata;
}

const codegenRunsFor = (number: number) => codegen.requests.filter((request) => prNumberOf(request) === number);
const masTasksFor = (number: number) => mas.requests.filter((request) => masMetadata(request).pr_number === number);
const slackTexts = (pattern: string) =>
  slack.requests.map((request) => (request.body as { text: string }).text).filter((text) => text.includes(pattern));
const linearCommentsOn = (identifier: string) =>
  linear.requests.filter(
    (request) => (request.body as { variables?: { issueId?: string } }).variables?.issueId === identifier,
  );

// --- payloads -----------------------------------------------------------------------------------------

function pullRequestPayload(action: string, number: number, title?: string): Record<string, unknown> {
  const payload = githubExample('pull_request', action);
  const pr = payload.pull_request as Record<string, unknown>;
  const repository = (payload.repository as { full_name: string }).full_name;
  payload.number = number;
  pr.number = number;
  pr.html_url = `https://github.com/${repository}/pull/${number}`;
  if (title !== undefined) pr.title = title;
  return payload;
}

/** A comment on pull request `number` (GitHub sends pull request comments as issue_comment). */
function pullRequestComment(number: number, body: string): Record<string, unknown> {
  const payload = githubExample('issue_comment', 'created');
  const repository = (payload.repository as { full_name: string }).full_name;
  const issue = payload.issue as Record<string, unknown>;
  issue.number = number;
  issue.pull_request = {
    url: `https://api.github.com/repos/${repository}/pulls/${number}`,
    html_url: `https://github.com/${repository}/pull/${number}`,
  };
  (payload.comment as Record<string, unknown>).body = body;
  return payload;
}

const repositoryOf = (payload: Record<string, unknown>) => (payload.repository as { full_name: string }).full_name;

// --- Standard Webhooks, from the spec (https://www.standardwebhooks.com), independent of Hookfleet's own -

function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Whether one of the request's signatures is the body's under `secret`, and its timestamp is fresh. */
function verifiesWith(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const [id, timestamp, signatures] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) =>
    String(headers[name] ?? ''),
  ) as [string, string, string];
  const seconds = Number(timestamp);
  if (!id || !Number.isInteger(seconds) || Math.abs(Date.now() / 1000 - seconds) > 300) return false;
  const expected = Buffer.from(standardSignature(secret, id, seconds, body), 'base64');
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    const candidate = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
}

/** MAS's callback, signed as MAS signs it, posted to the admin app. */
async function sendMasCallback(path: string, callback: Record<string, unknown>) {
  const body = JSON.stringify(callback);
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${stack.admin.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${standardSignature(MAS_CALLBACK_SECRET, id, timestamp, body)}`,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// --- the stack's state --------------------------------------------------------------------------------

async function getEvent(eventId: string): Promise<EventBody> {
  return (await adminGet<EventBody>(stack.admin.url, `/api/v1/events/${eventId}`)).body;
}

/**
 * The event in `status` with its job finished: notifications are sent after the status is written and
 * before the job completes, so only then have all of its calls been made.
 */
async function eventSettled(eventId: string, status: string): Promise<EventBody> {
  return waitFor(async () => {
    const event = await getEvent(eventId);
    const finished = event.job?.state === 'completed' || event.job?.state === 'failed';
    return event.status === status && finished ? event : undefined;
  }, `event ${eventId} to be ${status} with its job finished`);
}

async function accepted(sent: Awaited<ReturnType<typeof deliver>>): Promise<string> {
  expect(sent.status).toBe(202);
  return sent.body.eventId as string;
}

interface CreatedSource {
  id: string;
  webhook_path: string;
  secret: string;
  forward_signing_secret?: string;
  settings: { processing: Record<string, unknown> };
}

async function createGithubSource(name: string, processing: Record<string, unknown>): Promise<CreatedSource> {
  const created = await adminPost<CreatedSource>(stack.admin.url, '/api/v1/sources', {
    provider: 'github',
    name,
    secret: `${name}-webhook-secret`,
    settings: { processing },
  });
  expect(created.status).toBe(201);
  return created.body;
}

// --- the tests ----------------------------------------------------------------------------------------

describe('a comment mentioning the bot on a pull request', () => {
  it('starts one Codegen agent run with the comment as the prompt, recorded on a completed codegen_trigger task', async () => {
    const request = '@hookfleet please fix the flaky test';
    const payload = pullRequestComment(PR.mention, `Thanks! ${request} in ci/retry.spec.ts`);
    const eventId = await accepted(await deliver(stack.ingress.url, { event: 'issue_comment', payload }));

    const event = await eventSettled(eventId, 'processed');
    expect(event.tasks).toHaveLength(1);
    const [task] = event.tasks;
    const runs = codegenRunsFor(PR.mention);
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run!.method).toBe('POST');
    expect(run!.url).toBe(`/v1/organizations/${CODEGEN_ORG_ID}/agent/run`);
    expect(run!.headers.authorization).toBe(`Bearer ${CODEGEN_TOKEN}`);
    expect(run!.headers['idempotency-key']).toBe(`task:${task!.id}:${event.job_id}:codegen`);
    const prompt = (run!.body as { prompt: string }).prompt;
    expect(prompt).toContain(`Thanks! ${request} in ci/retry.spec.ts`);
    expect(prompt).toContain(`${repositoryOf(payload)}#${PR.mention}`);

    // The task carries Codegen's run id (a number in its answer) and where to follow it.
    const answer = codegen.requests.indexOf(run!) + 9000;
    expect(task).toMatchObject({
      task_type: 'codegen_trigger',
      status: 'completed',
      external_task_id: String(answer),
      external_task_url: `https://codegen.example/runs/${PR.mention}`,
      output_data: { codegen: { id: answer } },
    });
  });

  it('without the mention, makes no task and no Codegen call', async () => {
    const payload = pullRequestComment(PR.noMention, 'please fix the flaky test, hookfleet');
    const eventId = await accepted(await deliver(stack.ingress.url, { event: 'issue_comment', payload }));

    const event = await eventSettled(eventId, 'processed');
    expect(event.tasks).toEqual([]);
    expect(codegenRunsFor(PR.noMention)).toEqual([]);
  });
});

describe('a pull request opened', () => {
  it('sends MAS a review that stays running until its signed callback, posts to Slack and Linear once, and not again on synchronize', async () => {
    const title = 'ENG-42: retry flaky uploads';
    const opened = pullRequestPayload('opened', PR.opened, title);
    const repository = repositoryOf(opened);
    const eventId = await accepted(await deliver(stack.ingress.url, { event: 'pull_request', payload: opened }));

    const event = await eventSettled(eventId, 'processed');
    const review = event.tasks.find((task) => task.task_type === 'review_pull_request');
    expect(event.tasks.map((task) => task.task_type)).toEqual(['pull_request_analysis', 'review_pull_request']);

    // MAS got the review once, authenticated, keyed, told where to answer; the task waits for that answer.
    const submitted = masTasksFor(PR.opened);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.url).toBe('/api/v1/tasks');
    expect(submitted[0]!.headers.authorization).toBe(`Bearer ${MAS_API_KEY}`);
    expect(submitted[0]!.headers['idempotency-key']).toBe(`task:${review!.id}:${event.job_id}:mas`);
    expect(submitted[0]!.body).toMatchObject({
      task_type: 'review_pull_request',
      callback_url: MAS_CALLBACK_URL,
      payload: { metadata: { repo: repository, pr_number: PR.opened, title } },
    });
    const masTaskId = `mas-${PR.opened}-${mas.requests.indexOf(submitted[0]!)}`;
    expect(review).toMatchObject({ status: 'running', external_task_id: masTaskId });

    // Slack: one message naming the pull request. Linear: one comment on the issue the title names.
    expect(slackTexts(`${repository}#${PR.opened}`)).toEqual([
      expect.stringMatching(new RegExp(`^New pull request ${repository}#${PR.opened}: ${title}`)),
    ]);
    const comments = linearCommentsOn('ENG-42');
    expect(comments).toHaveLength(1);
    expect(comments[0]!.headers.authorization).toBe(LINEAR_API_KEY);
    expect((comments[0]!.body as { query: string }).query).toContain('commentCreate');
    expect((comments[0]!.body as { variables: { body: string } }).variables.body).toContain(
      `${repository}#${PR.opened} opened`,
    );

    // MAS answers at the callback URL it was given (the test plays MAS, the admin app receives it).
    const verdict = { verdict: 'approve', comments: [{ path: 'src/upload.ts', line: 12, body: 'nit' }] };
    const callbackPath = new URL((submitted[0]!.body as { callback_url: string }).callback_url).pathname;
    const forged = await fetch(`${stack.admin.url}${callbackPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: masTaskId, status: 'completed', result: verdict }),
    });
    expect(forged.status).toBe(401);
    expect((await getEvent(eventId)).tasks.find((task) => task.id === review!.id)?.status).toBe('running');

    const callback = await sendMasCallback(callbackPath, {
      task_id: masTaskId,
      status: 'completed',
      result: verdict,
    });
    expect(callback).toEqual({ status: 200, body: { status: 'completed', task_id: review!.id } });
    const reviewed = (await getEvent(eventId)).tasks.find((task) => task.id === review!.id);
    expect(reviewed).toMatchObject({ status: 'completed', external_task_id: masTaskId });
    expect(reviewed!.output_data).toMatchObject({ mas: verdict });

    // New commits on the same pull request: a new review for MAS, no second Slack post or Linear comment.
    const synchronize = pullRequestPayload('synchronize', PR.opened, title);
    const syncId = await accepted(await deliver(stack.ingress.url, { event: 'pull_request', payload: synchronize }));
    const synced = await eventSettled(syncId, 'processed');
    const resubmitted = masTasksFor(PR.opened);
    expect(resubmitted).toHaveLength(2);
    expect(synced.tasks.find((task) => task.task_type === 'review_pull_request')).toMatchObject({
      status: 'running',
      external_task_id: `mas-${PR.opened}-${mas.requests.indexOf(resubmitted[1]!)}`,
    });
    expect(slackTexts(`${repository}#${PR.opened}`)).toHaveLength(1);
    expect(linearCommentsOn('ENG-42')).toHaveLength(1);
  });
});

describe('a task whose downstream keeps failing', () => {
  it('dies after its attempts, and Slack is told once', async () => {
    const payload = pullRequestComment(PR.dead, '@hookfleet rebase this please');
    const eventId = await accepted(await deliver(stack.ingress.url, { event: 'issue_comment', payload }));

    const dead = await eventSettled(eventId, 'dead');
    const attempts = Number(environment.env.JOB_MAX_RETRIES) + 1;
    expect(codegenRunsFor(PR.dead)).toHaveLength(attempts);
    // The admin reads the job's attempts and its state one after the other: poll until both are final.
    await waitFor(async () => {
      const { job } = await getEvent(eventId);
      return job?.state === 'failed' && job.attempts_made === attempts ? true : undefined;
    }, 'the job to settle in the failed set after its last attempt');
    const [task] = dead.tasks;
    expect(task).toMatchObject({ task_type: 'codegen_trigger', status: 'dead' });

    const messages = slackTexts('is dead');
    expect(messages.filter((text) => text.includes(task!.id))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Task codegen_trigger for ${repositoryOf(payload)}#${PR.dead} is dead: .*500.*\\(task ${task!.id}\\)$`,
        ),
      ),
    ]);
  });
});

describe('a forward-mode source', () => {
  it('forwards each delivery once, signed with the secret the admin API showed at creation', async () => {
    const source = await createGithubSource('forwarded', {
      mode: 'forward',
      url: `${receiver.url}/hooks/forwarded`,
      allowPrivateNetwork: true,
    });
    expect(source.forward_signing_secret).toMatch(/^whsec_/);
    // Shown once in plaintext, never sealed in the view.
    expect(source.settings.processing).not.toHaveProperty('signingSecretCiphertext');

    const payload = pullRequestPayload('labeled', PR.forward);
    const sent = await deliver(stack.ingress.url, {
      event: 'pull_request',
      payload,
      path: source.webhook_path,
      secret: source.secret,
    });
    const eventId = await accepted(sent);

    const forwarded = await waitFor(async () => {
      const event = await getEvent(eventId);
      return event.forward_attempts.length > 0 ? event : undefined;
    }, 'a forward attempt');
    const received = receiver.requests.filter((request) => request.url === '/hooks/forwarded');
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe('POST');
    expect(received[0]!.body).toEqual(payload);
    expect(verifiesWith(source.forward_signing_secret!, received[0]!.headers, received[0]!.rawBody)).toBe(true);
    // The check above can fail: a signature under any other secret does not verify.
    expect(
      verifiesWith(`whsec_${randomBytes(32).toString('base64')}`, received[0]!.headers, received[0]!.rawBody),
    ).toBe(false);
    expect(forwarded.forward_attempts).toMatchObject([
      { attempt: 1, url: `${receiver.url}/hooks/forwarded`, status_code: 204, error_message: null },
    ]);
    const sourceEvent = await stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(sourceEvent.sourceId).toBe(source.id);
  });

  it('refuses a loopback target when saved unless the source allows private networks, naming the field', async () => {
    for (const url of [
      `${receiver.url}/hooks/refused`,
      'http://localhost:9/',
      'http://0x7f.1/',
      'http://[::ffff:7f00:1]/',
    ]) {
      const refused = await adminPost(stack.admin.url, '/api/v1/sources', {
        provider: 'github',
        name: 'forward-refused-at-save',
        secret: 'forward-refused-secret',
        settings: { processing: { mode: 'forward', url } },
      });
      expect(refused.status, url).toBe(400);
      expect(refused.body).toMatchObject({
        code: 'invalid_settings',
        details: [{ field: 'settings.processing.url', message: expect.stringMatching(/loopback/) }],
      });
    }
    expect(await stack.prisma.source.count({ where: { name: 'forward-refused-at-save' } })).toBe(0);
  });

  it('still refuses a loopback target when sending (a name can resolve elsewhere later): nothing sent, the job dead', async () => {
    const source = await createGithubSource('forward-loopback', {
      mode: 'forward',
      url: `${receiver.url}/hooks/refused`,
      allowPrivateNetwork: true,
    });
    // As a row saved before its target turned private: the stored settings, changed under the API.
    const row = await stack.prisma.source.findUniqueOrThrow({ where: { id: source.id } });
    const settings = row.settings as { processing: Record<string, unknown> };
    await stack.prisma.source.update({
      where: { id: source.id },
      data: { settings: { ...settings, processing: { ...settings.processing, allowPrivateNetwork: false } } },
    });
    const eventId = await accepted(
      await deliver(stack.ingress.url, {
        event: 'pull_request',
        payload: pullRequestPayload('labeled', PR.forwardRefused),
        path: source.webhook_path,
        secret: source.secret,
      }),
    );

    const event = await waitFor(async () => {
      const candidate = await getEvent(eventId);
      return candidate.forward_attempts.length > 0 ? candidate : undefined;
    }, 'a forward attempt');
    expect(event.forward_attempts).toMatchObject([
      { attempt: 1, status_code: null, error_message: expect.stringContaining('127.0.0.1 is in 127.0.0.0/8') },
    ]);
    expect(event.forward_attempts[0]!.error_message).toContain('allowPrivateNetwork');

    const redis = new Redis(environment.env.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(event.queue, { connection: redis, prefix: environment.env.QUEUE_PREFIX });
    try {
      const job = await waitFor(async () => {
        const candidate = await queue.getJob(forwardJobId(eventId, 0));
        return candidate && (await candidate.isFailed()) ? candidate : undefined;
      }, 'the forward job in the failed set');
      // Permanent: one attempt, not the source's default five retries.
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toContain('loopback');
    } finally {
      await queue.close();
      redis.disconnect();
    }
    expect(receiver.requests.filter((request) => request.url === '/hooks/refused')).toEqual([]);
  });
});

describe('a transform-mode source', () => {
  it('stores the payload mapped by its JSONata expression beside the original', async () => {
    const source = await createGithubSource('transformed', {
      mode: 'transform',
      expression: '{ "title": pull_request.title, "number": pull_request.number }',
    });
    const payload = pullRequestPayload('labeled', PR.transform, 'Map me');
    const eventId = await accepted(
      await deliver(stack.ingress.url, {
        event: 'pull_request',
        payload,
        path: source.webhook_path,
        secret: source.secret,
      }),
    );

    await eventSettled(eventId, 'processed');
    const stored = await stack.prisma.webhookEvent.findUniqueOrThrow({
      where: { id: eventId },
      select: { transformed: true, payload: true },
    });
    expect(stored.transformed).toEqual({ title: 'Map me', number: PR.transform });
    expect(stored.payload).toEqual(payload);
  });

  it('is refused by the admin API with 400 when its expression does not compile', async () => {
    const refused = await adminPost(stack.admin.url, '/api/v1/sources', {
      provider: 'github',
      name: 'broken-transform',
      settings: { processing: { mode: 'transform', expression: '{ "title": pull_request.title' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: 'invalid_settings',
      status_code: 400,
      path: '/api/v1/sources',
      details: [{ field: 'settings.processing.expression', message: expect.stringMatching(/^invalid JSONata: /) }],
    });
    expect(await stack.prisma.source.count({ where: { name: 'broken-transform' } })).toBe(0);
  });
});

describe('a transform that breaks a limit of its sandbox', () => {
  const looping = '($loop := function($x) { $loop($x + 1) }; $loop(0))';

  it.each([
    ['time', PR.transformLoop, looping],
    ['memory', PR.transformHeap, '[1..10000000]'],
    ['output', PR.transformOutput, '$pad("", 2000000, "x")'],
  ])(
    'fails its job once, as permanent, on its %s limit, while the worker serves other events',
    async (limit, number, expression) => {
      const source = await createGithubSource(`transform-${limit}`, { mode: 'transform', expression });
      const broken = await accepted(
        await deliver(stack.ingress.url, {
          event: 'pull_request',
          payload: pullRequestPayload('labeled', number),
          path: source.webhook_path,
          secret: source.secret,
        }),
      );
      // Another event, through the built-in source, while the sandbox works on the broken one.
      const beside = await accepted(
        await deliver(stack.ingress.url, {
          event: 'pull_request',
          payload: pullRequestPayload('labeled', PR.transformBeside + number * 10),
        }),
      );
      await eventSettled(beside, 'processed');
      const dead = await eventSettled(broken, 'dead');
      expect(dead.error_message).toContain(`transform exceeded its ${limit} limit`);
      expect(dead.job).toMatchObject({ state: 'failed', attempts_made: 1 });
      expect(dead.transformed).toBeNull();
      const live = await fetch(`${stack.worker.healthUrl}/health/live`);
      expect(live.status).toBe(200);
    },
  );

  it('shows in a dry run through the admin API, before anything is saved', async () => {
    const source = await createGithubSource('transform-dry-run', {
      mode: 'transform',
      expression: '{ "number": pull_request.number }',
    });
    const payload = pullRequestPayload('opened', 77);
    const path = `/api/v1/sources/${source.id}/transform/test`;

    const own = await adminPost(stack.admin.url, path, { payload });
    expect(own).toMatchObject({ status: 200, body: { ok: true, result: { number: 77 } } });
    const other = await adminPost(stack.admin.url, path, { payload, expression: 'pull_request.title' });
    expect(other.body).toMatchObject({ ok: true, result: (payload.pull_request as { title: string }).title });
    const loop = await adminPost(stack.admin.url, path, { payload, expression: looping });
    expect(loop).toMatchObject({ status: 200, body: { ok: false, limit: 'time', error: expect.stringMatching(/ms/) } });
    const invalid = await adminPost(stack.admin.url, path, { payload, expression: '{ "a": ' });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'invalid_expression' } });
    // The dry run saved nothing: the source keeps its expression.
    const after = await adminGet<CreatedSource>(stack.admin.url, `/api/v1/sources/${source.id}`);
    expect(after.body.settings.processing).toMatchObject({ expression: '{ "number": pull_request.number }' });
  });
});
