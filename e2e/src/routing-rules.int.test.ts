// Routing rules through the running stack: a Standard Webhooks source whose rule sends invoice.paid to a
// task, signed here with node:crypto as the spec describes; the task runs through the worker against a real
// local AgentAPI; a rule refused when saved changes nothing; a reprocess plans with the rules as they are now.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { ADMIN_TOKEN, FakeAgentApi, adminGet, adminPost, startStack, waitFor, type Stack } from './harness.js';

const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');

const environment = useTestEnvironment();
let agentApi: FakeAgentApi;
let stack: Stack;

beforeAll(async () => {
  agentApi = environment.stopAtEnd(await new FakeAgentApi().start());
  stack = environment.stopAtEnd(
    await startStack(environment.env, {
      agentApiUrl: agentApi.url,
      // Rule changes reach the ingress at once (it caches sources for SOURCE_CACHE_TTL_MS otherwise).
      ingress: { SOURCE_SECRETS_KEY, SOURCE_CACHE_TTL_MS: '0' },
      admin: { SOURCE_SECRETS_KEY },
    }),
  );
});

async function adminCall<T = Record<string, unknown>>(
  method: 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
) {
  const response = await fetch(`${stack.admin.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface SourceBody {
  id: string;
  webhook_path: string;
  secret: string;
  settings: Record<string, unknown>;
  updated_at: string;
}

async function createStandardSource(name: string, settings: unknown) {
  return adminPost<SourceBody>(stack.admin.url, '/api/v1/sources', { provider: 'standard', name, settings });
}

/** A Standard Webhooks delivery, signed as the spec says: HMAC-SHA256 over "{id}.{timestamp}.{body}". */
async function sendStandard(source: SourceBody, payload: unknown) {
  const body = JSON.stringify(payload);
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const key = Buffer.from(source.secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  const response = await fetch(`${stack.ingress.url}${source.webhook_path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${signature}`,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as { eventId: string; queue: string } };
}

const invoicePaid = (status: string) => ({
  type: 'invoice.paid',
  timestamp: new Date().toISOString(),
  data: { object: { id: `in_${randomUUID()}`, status, amount_paid: 4200 } },
});

interface EventDetail {
  status: string;
  queue: string;
  generation: number;
  tasks: Array<{ task_type: string; status: string; generation: number; input: Record<string, unknown> }>;
}

const event = async (id: string) => (await adminGet<EventDetail>(stack.admin.url, `/api/v1/events/${id}`)).body;
const finished = (id: string, generation = 0) =>
  waitFor(async () => {
    const found = await event(id);
    return found.status === 'processed' && found.generation === generation ? found : undefined;
  }, `event ${id} processed in generation ${generation}`);
const callsFor = (eventId: string) =>
  agentApi.requests.filter((request) => (request.body as { event_id?: string }).event_id === eventId);

const PAID_RULE = {
  event: 'invoice.paid',
  when: { pointer: '/data/object/status', equals: 'paid' },
  queue: 'deployment',
  tasks: ['deployment'],
};

describe('a routing rule at the ingress', () => {
  it('sends a matching invoice.paid to its task, which the worker carries out through AgentAPI', async () => {
    const created = await createStandardSource('billing', { routes: [PAID_RULE] });
    expect(created.status).toBe(201);

    const sent = await sendStandard(created.body, invoicePaid('paid'));
    expect(sent.status).toBe(202);
    expect(sent.body.queue).toBe('deployment');
    const done = await finished(sent.body.eventId);
    expect(done.queue).toBe('deployment');
    expect(done.tasks).toMatchObject([{ task_type: 'deployment', status: 'completed' }]);

    const [call, ...more] = callsFor(sent.body.eventId);
    expect(more).toHaveLength(0);
    expect(call?.headers.authorization).toBe('Bearer e2e-agentapi-key');
    expect(call?.body).toMatchObject({
      task_type: 'deployment',
      event_id: sent.body.eventId,
      input: { provider: 'standard', event_type: 'invoice.paid', action: null, routing_rule: 0 },
    });

    // The pointer's value differs: no rule matches, and Standard Webhooks has no built-in planner.
    const draft = await sendStandard(created.body, invoicePaid('draft'));
    expect(draft.body.queue).toBe('default');
    expect((await finished(draft.body.eventId)).tasks).toEqual([]);
    expect(callsFor(draft.body.eventId)).toHaveLength(0);
  });
});

describe('saving rules', () => {
  it('refuses a rule the catalogue does not allow, naming the field, and changes nothing', async () => {
    const created = await createStandardSource('refusals', { routes: [PAID_RULE] });
    const { id } = created.body;
    const before = await adminGet<SourceBody>(stack.admin.url, `/api/v1/sources/${id}`);

    const offQueue = await adminCall('PUT', `/api/v1/sources/${id}/routes`, {
      routes: [PAID_RULE, { event: 'invoice.paid', queue: 'workflow', tasks: ['codegen_trigger', 'deployment'] }],
    });
    expect(offQueue.status).toBe(400);
    expect(offQueue.body).toMatchObject({
      code: 'invalid_settings',
      details: [
        { field: 'settings.routes.1.tasks.1', message: 'deployment runs on queue "deployment", not "workflow"' },
      ],
    });

    const badPointer = await adminPost(stack.admin.url, `/api/v1/sources/${id}/routes`, {
      event: 'invoice.paid',
      when: { pointer: 'data/object/status', equals: 'paid' },
      queue: 'default',
    });
    expect(badPointer.status).toBe(400);
    expect(badPointer.body).toMatchObject({ details: [{ field: 'settings.routes.1.when.pointer' }] });

    const unknownTask = await adminCall('PATCH', `/api/v1/sources/${id}`, {
      settings: { routes: [{ event: '*', queue: 'deployment', tasks: ['launch'] }] },
    });
    expect(unknownTask.status).toBe(400);
    expect(unknownTask.body).toMatchObject({
      code: 'invalid_settings',
      details: [{ field: 'settings.routes.0.tasks.0' }],
    });

    const missing = await adminCall('DELETE', `/api/v1/sources/${id}/routes/1`);
    expect(missing).toMatchObject({ status: 404, body: { code: 'routing_rule_not_found' } });

    const refusedCreate = await createStandardSource('never-made', { routes: [{ event: 'x', queue: 'nowhere' }] });
    expect(refusedCreate.status).toBe(400);

    const after = await adminGet<SourceBody>(stack.admin.url, `/api/v1/sources/${id}`);
    expect(after.body).toEqual(before.body);
    const sources = await adminGet<{ data: Array<{ name: string }> }>(stack.admin.url, '/api/v1/sources');
    expect(sources.body.data.map((source) => source.name)).not.toContain('never-made');
  });
});

describe('reprocess', () => {
  it('plans the event again with the source’s rules as they are now', async () => {
    const created = await createStandardSource('reprocessed', { routes: [PAID_RULE] });
    const sent = await sendStandard(created.body, invoicePaid('uncollectible'));
    expect(sent.body.queue).toBe('default');
    await finished(sent.body.eventId);

    const added = await adminPost<{ index: number }>(stack.admin.url, `/api/v1/sources/${created.body.id}/routes`, {
      event: 'invoice.paid',
      queue: 'deployment',
      tasks: ['deployment'],
    });
    expect(added).toMatchObject({ status: 201, body: { index: 1 } });

    const reprocessed = await adminPost(stack.admin.url, `/api/v1/events/${sent.body.eventId}/reprocess`);
    expect(reprocessed.status).toBe(202);
    const again = await finished(sent.body.eventId, 1);
    expect(again.queue).toBe('deployment');
    expect(again.tasks).toMatchObject([{ task_type: 'deployment', status: 'completed', generation: 1 }]);
    expect(callsFor(sent.body.eventId)).toHaveLength(1);
    expect(callsFor(sent.body.eventId)[0]?.body).toMatchObject({ input: { routing_rule: 1 } });
  });
});

describe('a row stored before plans were', () => {
  it('is planned with its source’s rules where it is queued and where the worker runs it', async () => {
    const created = await createStandardSource('legacy', {});
    const sent = await sendStandard(created.body, invoicePaid('paid'));
    await finished(sent.body.eventId);
    expect(callsFor(sent.body.eventId)).toHaveLength(0);

    // As an older version stored it: no plan, never queued (under a generation whose job does not exist).
    await stack.prisma.webhookEvent.update({
      where: { id: sent.body.eventId },
      data: { status: 'received', plan: Prisma.DbNull, generation: 1, jobId: null },
    });
    await adminCall('PUT', `/api/v1/sources/${created.body.id}/routes`, { routes: [PAID_RULE] });
    const queued = await adminPost(stack.admin.url, `/api/v1/events/${sent.body.eventId}/reprocess`);
    expect(queued.status).toBe(202);

    const done = await finished(sent.body.eventId, 1);
    expect(done.tasks).toMatchObject([{ task_type: 'deployment', status: 'completed', generation: 1 }]);
    expect(callsFor(sent.body.eventId)).toHaveLength(1);
  });
});
