// hookfleet routes as an operator runs it: a child process per command against a whole real stack, and a
// rule made from the terminal then routing a signed Standard Webhooks delivery to a task AgentAPI receives.
import { execFile } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEnvironment } from '@hookfleet/devkit';
import {
  ADMIN_TOKEN,
  FakeAgentApi,
  adminPost,
  startStack,
  testEnvironment,
  waitFor,
  type Stack,
} from '@hookfleet/e2e/harness';
import { parseEquals } from './route-commands.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let environment: TestEnvironment;
let agentApi: FakeAgentApi;
let stack: Stack;
let workDir: string;
let source: { id: string; webhook_path: string; secret: string };

beforeAll(async () => {
  environment = await testEnvironment();
  agentApi = await new FakeAgentApi().start();
  stack = await startStack(environment.env, {
    agentApiUrl: agentApi.url,
    ingress: { SOURCE_SECRETS_KEY, SOURCE_CACHE_TTL_MS: '0' },
    admin: { SOURCE_SECRETS_KEY },
  });
  workDir = await mkdtemp(join(tmpdir(), 'hookfleet-routes-'));
  const created = await adminPost<typeof source>(stack.admin.url, '/api/v1/sources', {
    provider: 'standard',
    name: 'billing',
  });
  expect(created.status).toBe(201);
  source = created.body;
});

afterAll(async () => {
  await stack?.stop();
  await agentApi?.stop();
  await environment?.cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function hookfleet(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@hookfleet/source', '--import', 'tsx', MAIN, ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOOKFLEET_ADMIN_URL: stack.admin.url, HOOKFLEET_ADMIN_TOKEN: ADMIN_TOKEN },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const listed = async () => {
  const run = await hookfleet('routes', 'list', source.id, '--json');
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { data: unknown[] }).data;
};

describe('--equals', () => {
  it('reads a JSON scalar as itself and any other text as a string', () => {
    expect([parseEquals('42'), parseEquals('true'), parseEquals('null'), parseEquals('"42"')]).toEqual([
      42,
      true,
      null,
      '42',
    ]);
    expect([parseEquals('paid'), parseEquals('{"a":1}'), parseEquals('[1]')]).toEqual(['paid', '{"a":1}', '[1]']);
  });
});

describe('hookfleet routes', () => {
  // In order: each step works on the rules the one before left.
  it('adds a rule and lists it', async () => {
    const added = await hookfleet(
      'routes',
      'add',
      source.id,
      '--event',
      'invoice.paid',
      '--pointer',
      '/data/object/status',
      '--equals',
      'paid',
      '--queue',
      'deployment',
      '--task',
      'deployment',
      '--input',
      'team=billing',
      '--input-from',
      'invoice=/data/object/id',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('added rule 0');
    expect(added.stdout).toMatch(/0\s+invoice\.paid\s+-\s+\/data\/object\/status == "paid"\s+deployment\s+deployment/);
  });

  it('refuses a rule off its queue or with a bad pointer, naming the field, and changes nothing', async () => {
    const refused = await hookfleet(
      'routes',
      'add',
      source.id,
      '--event',
      'invoice.paid',
      '--queue',
      'workflow',
      '--task',
      'deployment',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error: invalid_settings');
    expect(refused.stderr).toContain(
      'settings.routes.1.tasks.0: deployment runs on queue "deployment", not "workflow"',
    );
    expect(await listed()).toHaveLength(1);

    const rulesFile = join(workDir, 'rules.json');
    await writeFile(
      rulesFile,
      JSON.stringify([{ event: 'invoice.paid', queue: 'default', when: { pointer: 'x', equals: 1 } }]),
    );
    const badFile = await hookfleet('routes', 'set', source.id, '--file', rulesFile);
    expect(badFile.code).toBe(1);
    expect(badFile.stderr).toContain('settings.routes.0.when.pointer');
    expect(await listed()).toHaveLength(1);
  });

  it('routes a signed delivery by the rule it added, to a task AgentAPI receives', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { object: { id: 'in_1', status: 'paid' } } });
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
    const accepted = (await response.json()) as { eventId: string; queue: string };
    expect(response.status).toBe(202);
    expect(accepted.queue).toBe('deployment');
    const call = await waitFor(
      async () =>
        agentApi.requests.find((request) => (request.body as { event_id?: string }).event_id === accepted.eventId),
      'the rule’s task at AgentAPI',
    );
    expect(call.body).toMatchObject({
      task_type: 'deployment',
      input: { event_type: 'invoice.paid', routing_rule: 0, team: 'billing', invoice: 'in_1' },
    });
  });

  it('removes a rule by its index, and refuses an index it does not have', async () => {
    const second = await hookfleet('routes', 'add', source.id, '--event', '*', '--queue', 'default');
    expect(second.stdout).toContain('added rule 1');
    const removed = await hookfleet('routes', 'remove', source.id, '0');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('removed rule 0');
    expect(await listed()).toEqual([{ event: '*', queue: 'default', tasks: [] }]);

    const gone = await hookfleet('routes', 'remove', source.id, '5');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('error: routing_rule_not_found');
  });
});
