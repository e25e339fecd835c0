// Slack and Linear starting work, through the whole running stack: the providers' own payload examples,
// signed as Slack and Linear sign them, become codegen_trigger tasks, and when a task ends the bot answers in
// the Slack thread (chat.postMessage) or on the Linear issue (commentCreate), once. Codegen, Slack's Web API
// and Linear's GraphQL API are real HTTP servers on loopback.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LINEAR_EXAMPLE_ASSIGNEE_ID,
  LINEAR_ISSUE_CREATE_EXAMPLE,
  SLACK_APP_MENTION_EXAMPLE,
  SLACK_EXAMPLE_BOT_USER_ID,
  SLACK_SLASH_COMMAND_EXAMPLE,
} from '@hookfleet/devkit';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import {
  FakeDownstream,
  adminGet,
  adminPost,
  startStack,
  waitFor,
  type RecordedRequest,
  type Stack,
} from './harness.js';

const SLACK_BOT_TOKEN = 'xoxb-e2e-bot-token';
const LINEAR_API_KEY = 'lin_api_e2e';
/** Codegen fails every attempt of a request containing this. */
const FAILING_REQUEST = 'please fail';
/** The bot's settings as planning reads them, and the sources' secrets key: in every app. */
const SHARED = {
  SOURCE_SECRETS_KEY: randomBytes(32).toString('base64'),
  SLACK_BOT_USER_ID: SLACK_EXAMPLE_BOT_USER_ID,
  // Slack's example is the /weather command: the bot's command here.
  SLACK_COMMAND: '/weather',
  LINEAR_BOT_USER_ID: LINEAR_EXAMPLE_ASSIGNEE_ID,
};

interface EventBody {
  id: string;
  status: string;
  queue: string;
  tasks: Array<{ id: string; task_type: string; status: string; external_task_url: string | null }>;
  job: { state: string; attempts_made: number } | null;
}

interface CreatedSource {
  id: string;
  webhook_path: string;
  secret: string;
}

const environment = useTestEnvironment();
let codegen: FakeDownstream;
let slackApi: FakeDownstream;
let linear: FakeDownstream;
let stack: Stack;
let slackSource: CreatedSource;
let linearSource: CreatedSource;

const promptOf = (request: RecordedRequest) => String((request.body as { prompt?: unknown } | null)?.prompt ?? '');

beforeAll(async () => {
  codegen = await new FakeDownstream((request) =>
    promptOf(request).includes(FAILING_REQUEST)
      ? { status: 500, body: { error: 'codegen is down' } }
      : {
          status: 201,
          body: {
            id: 7000 + codegen.requests.indexOf(request),
            web_url: `https://codegen.example/runs/${codegen.requests.indexOf(request)}`,
          },
        },
  ).start();
  // Slack's Web API: chat.postMessage answers 200 with ok and the new message's ts.
  slackApi = await new FakeDownstream((request) => ({
    status: 200,
    body: {
      ok: true,
      channel: (request.body as { channel?: string }).channel,
      ts: `1700000000.${String(slackApi.requests.length).padStart(6, '0')}`,
    },
  })).start();
  linear = await new FakeDownstream(() => ({
    status: 200,
    body: { data: { commentCreate: { success: true, comment: { id: `comment-${linear.requests.length}` } } } },
  })).start();
  for (const server of [codegen, slackApi, linear]) environment.stopAtEnd(server);

  stack = environment.stopAtEnd(
    await startStack(environment.env, {
      ingress: SHARED,
      admin: SHARED,
      worker: {
        ...SHARED,
        CODEGEN_BASE_URL: codegen.url,
        CODEGEN_TOKEN: 'e2e-codegen-token',
        CODEGEN_ORG_ID: 'org-7',
        SLACK_BOT_TOKEN,
        SLACK_API_URL: `${slackApi.url}/api`,
        LINEAR_API_KEY,
        LINEAR_API_URL: `${linear.url}/graphql`,
        DOWNSTREAM_TIMEOUT_MS: '2000',
      },
    }),
  );
  slackSource = await createSource('slack', 'slack-app');
  linearSource = await createSource('linear', 'linear-workspace');
});

async function createSource(provider: string, name: string): Promise<CreatedSource> {
  const created = await adminPost<CreatedSource>(stack.admin.url, '/api/v1/sources', {
    provider,
    name,
    secret: `${name}-signing-secret`,
  });
  expect(created.status).toBe(201);
  return created.body;
}

// --- sending as Slack and Linear do --------------------------------------------------------------------

/** Slack's v0 signature over `v0:{timestamp}:{body}`, as Slack documents it. */
async function sendToSlackSource(body: string, contentType: string, headers: Record<string, string> = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', slackSource.secret).update(`v0:${timestamp}:${body}`).digest('hex');
  const response = await fetch(`${stack.ingress.url}${slackSource.webhook_path}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': `v0=${signature}`,
      ...headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

const sendAppMention = (payload: object, headers?: Record<string, string>) =>
  sendToSlackSource(JSON.stringify(payload), 'application/json', headers);

/** Linear's body as sent: its webhookTimestamp must be fresh, so it is set to now. */
const linearBody = (payload: object) => JSON.stringify({ ...payload, webhookTimestamp: Date.now() });

/** Signed with Linear's hex HMAC-SHA256 of the body. */
async function sendToLinearSource(body: string, deliveryId: string) {
  const response = await fetch(`${stack.ingress.url}${linearSource.webhook_path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'linear-delivery': deliveryId,
      'linear-signature': createHmac('sha256', linearSource.secret).update(body).digest('hex'),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function acceptedEventId(sent: { status: number; body: Record<string, unknown> }): string {
  expect(sent.status).toBe(202);
  return sent.body.eventId as string;
}

/** The event in `status` with its job finished: the answer is sent before the job completes. */
async function eventSettled(eventId: string, status: string): Promise<EventBody> {
  return waitFor(async () => {
    const { body } = await adminGet<EventBody>(stack.admin.url, `/api/v1/events/${eventId}`);
    const finished = body.job?.state === 'completed' || body.job?.state === 'failed';
    return body.status === status && finished ? body : undefined;
  }, `event ${eventId} to be ${status} with its job finished`);
}

const postedTo = (channel: string) =>
  slackApi.requests
    .filter((request) => request.url === '/api/chat.postMessage')
    .map((request) => ({
      ...(request.body as { channel: string; thread_ts?: string; text: string }),
      headers: request.headers,
    }))
    .filter((message) => message.channel === channel);

const commentsOn = (issueId: string) =>
  linear.requests
    .map((request) => request.body as { query: string; variables: { issueId: string; body: string } })
    .filter((request) => request.query.includes('commentCreate') && request.variables.issueId === issueId);

const mention = (overrides: { event_id: string; channel?: string; text?: string; ts?: string; thread_ts?: string }) => {
  const { event_id, ...event } = overrides;
  return { ...SLACK_APP_MENTION_EXAMPLE, event_id, event: { ...SLACK_APP_MENTION_EXAMPLE.event, ...event } };
};

// --- the tests -------------------------------------------------------------------------------------------

describe('a Slack app mention', () => {
  it("runs Slack's example as a codegen_trigger and answers in its thread once, a redelivery included", async () => {
    const eventId = acceptedEventId(await sendAppMention(SLACK_APP_MENTION_EXAMPLE));
    const processed = await eventSettled(eventId, 'processed');
    expect(processed.queue).toBe('workflow');
    expect(processed.tasks).toMatchObject([{ task_type: 'codegen_trigger', status: 'completed' }]);

    // Codegen was asked what the message asked, without the bot's mention.
    const prompts = codegen.requests.map(promptOf).filter((prompt) => prompt.includes('everything a river'));
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatch(/^is it everything a river should be\?/);
    expect(prompts[0]).not.toContain(`<@${SLACK_EXAMPLE_BOT_USER_ID}>`);

    // Slack retries an event it thinks we missed with the same event_id: a duplicate, nothing new.
    const retry = await sendAppMention(SLACK_APP_MENTION_EXAMPLE, {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry).toMatchObject({ status: 200, body: { status: 'duplicate', eventId } });

    // A second request in the same thread joins its workflow and runs after the first; once it is answered,
    // every answer the first could have caused has been sent.
    const followUp = acceptedEventId(
      await sendAppMention(
        mention({
          event_id: 'Ev0LAN671S',
          ts: '1515449600.000200',
          thread_ts: SLACK_APP_MENTION_EXAMPLE.event.ts,
          text: `<@${SLACK_EXAMPLE_BOT_USER_ID}> and now the delta`,
        }),
      ),
    );
    await eventSettled(followUp, 'processed');

    const answers = postedTo(SLACK_APP_MENTION_EXAMPLE.event.channel);
    expect(answers).toHaveLength(2);
    for (const answer of answers) {
      expect(answer.thread_ts).toBe(SLACK_APP_MENTION_EXAMPLE.event.ts);
      expect(answer.headers.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
    }
    expect(answers[0]?.text).toContain(processed.tasks[0]!.external_task_url!);

    const workflow = await stack.prisma.workflow.findUniqueOrThrow({
      where: {
        key: `slack:${SLACK_APP_MENTION_EXAMPLE.team_id}:${SLACK_APP_MENTION_EXAMPLE.event.channel}:${SLACK_APP_MENTION_EXAMPLE.event.ts}`,
      },
    });
    expect(workflow).toMatchObject({ kind: 'slack_thread', state: 'active', eventCount: 2 });
  });

  it('whose task dies after its attempts is answered once, with the failure, and not at each failed attempt', async () => {
    const channel = 'C0FAILING1';
    const eventId = acceptedEventId(
      await sendAppMention(
        mention({ event_id: 'Ev0FAIL0001', channel, text: `<@${SLACK_EXAMPLE_BOT_USER_ID}> ${FAILING_REQUEST}` }),
      ),
    );
    const dead = await eventSettled(eventId, 'dead');
    expect(dead.tasks).toMatchObject([{ task_type: 'codegen_trigger', status: 'dead' }]);
    const attempts = Number(environment.env.JOB_MAX_RETRIES) + 1;
    expect(codegen.requests.filter((request) => promptOf(request).includes(FAILING_REQUEST))).toHaveLength(attempts);

    const answers = postedTo(channel);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ thread_ts: SLACK_APP_MENTION_EXAMPLE.event.ts });
    expect(answers[0]?.text).toMatch(/^Sorry, I could not do this: codegen answered 500$/);
  });
});

describe('the Slack slash command', () => {
  it("runs Slack's example as a codegen_trigger and answers in its channel, naming who asked", async () => {
    // Slack shows the body of its answer to whoever typed the command: an empty 200 shows nothing.
    const sent = await sendToSlackSource(SLACK_SLASH_COMMAND_EXAMPLE, 'application/x-www-form-urlencoded');
    expect(sent).toEqual({ status: 200, body: null });
    const { id: eventId } = await stack.prisma.webhookEvent.findFirstOrThrow({
      where: { provider: 'slack', deliveryId: new URLSearchParams(SLACK_SLASH_COMMAND_EXAMPLE).get('trigger_id')! },
    });
    const processed = await eventSettled(eventId, 'processed');
    expect(processed.tasks).toMatchObject([{ task_type: 'codegen_trigger', status: 'completed' }]);
    expect(codegen.requests.map(promptOf).filter((prompt) => prompt.startsWith('94070'))).toHaveLength(1);

    const answers = postedTo('C2147483705');
    expect(answers).toHaveLength(1);
    // No thread to answer in: a new message in the channel.
    expect(answers[0]).not.toHaveProperty('thread_ts');
    expect(answers[0]?.text).toMatch(/^<@U2147483697> asked “94070”\. On it: /);
    expect(answers[0]?.text).toContain(processed.tasks[0]!.external_task_url!);
  });
});

describe('a Linear issue', () => {
  it("assigned to the bot (Linear's example) runs as a codegen_trigger and gets one comment, a redelivery included", async () => {
    const issueId = LINEAR_ISSUE_CREATE_EXAMPLE.data.id;
    const deliveryId = randomUUID();
    const body = linearBody(LINEAR_ISSUE_CREATE_EXAMPLE);
    const eventId = acceptedEventId(await sendToLinearSource(body, deliveryId));
    const processed = await eventSettled(eventId, 'processed');
    expect(processed.tasks).toMatchObject([{ task_type: 'codegen_trigger', status: 'completed' }]);
    expect(
      codegen.requests.map(promptOf).filter((prompt) => prompt.startsWith('Test issue\n\nThe foo bar')),
    ).toHaveLength(1);

    const again = await sendToLinearSource(body, deliveryId);
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', eventId } });

    const comments = commentsOn(issueId);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.variables.body).toContain(processed.tasks[0]!.external_task_url!);
    expect(linear.requests[0]?.headers.authorization).toBe(LINEAR_API_KEY);
    const workflow = await stack.prisma.workflow.findUniqueOrThrow({ where: { key: `linear:issue:${issueId}` } });
    expect(workflow).toMatchObject({ kind: 'linear_issue', repository: 'LIN' });
  });

  it('assigned to the bot in an update, whose task dies, gets one comment with the failure', async () => {
    const issueId = randomUUID();
    const payload = {
      ...LINEAR_ISSUE_CREATE_EXAMPLE,
      action: 'update',
      data: { ...LINEAR_ISSUE_CREATE_EXAMPLE.data, id: issueId, title: `Test issue: ${FAILING_REQUEST}` },
      updatedFrom: { assigneeId: null, updatedAt: '2020-01-23T12:50:00.000Z' },
    };
    const eventId = acceptedEventId(await sendToLinearSource(linearBody(payload), randomUUID()));
    const dead = await eventSettled(eventId, 'dead');
    expect(dead.tasks).toMatchObject([{ task_type: 'codegen_trigger', status: 'dead' }]);
    const comments = commentsOn(issueId);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.variables.body).toMatch(/^Sorry, I could not do this: codegen answered 500$/);
  });

  it('assigned to someone else is stored and recorded only', async () => {
    const payload = {
      ...LINEAR_ISSUE_CREATE_EXAMPLE,
      data: { ...LINEAR_ISSUE_CREATE_EXAMPLE.data, id: randomUUID(), assigneeId: randomUUID() },
    };
    const eventId = acceptedEventId(await sendToLinearSource(linearBody(payload), randomUUID()));
    const processed = await eventSettled(eventId, 'processed');
    expect(processed).toMatchObject({ queue: 'default', tasks: [] });
    expect(commentsOn(payload.data.id)).toEqual([]);
  });
});
