// The CLI as an operator runs it: a child process per command against a whole real stack (ingress,
// worker, admin on real Postgres and Redis).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEnvironment } from '@hookfleet/devkit';
import { ADMIN_TOKEN, WEBHOOK_SECRET, startStack, testEnvironment, type Stack } from '@hookfleet/e2e/harness';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let environment: TestEnvironment;
let stack: Stack;
let workDir: string;

beforeAll(async () => {
  environment = await testEnvironment();
  stack = await startStack(environment.env, {
    admin: { SOURCE_SECRETS_KEY: randomBytes(32).toString('base64'), TRANSFORM_TIMEOUT_MS: '1000' },
  });
  workDir = await mkdtemp(join(tmpdir(), 'hookfleet-cli-'));
});

afterAll(async () => {
  await stack?.stop();
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
        env: {
          PATH: process.env.PATH,
          HOOKFLEET_ADMIN_URL: stack.admin.url,
          HOOKFLEET_ADMIN_TOKEN: ADMIN_TOKEN,
          GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const webhookUrl = () => `${stack.ingress.url}/webhooks/github`;

describe('hookfleet send', () => {
  it('signs and sends an example pull_request.opened, which the admin API then lists', async () => {
    const deliveryId = randomUUID();
    const sent = await hookfleet(
      'send',
      'pull_request',
      '--action',
      'opened',
      '--url',
      webhookUrl(),
      '--delivery-id',
      deliveryId,
    );
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('HTTP 202');
    expect(sent.stdout).toContain('"status": "accepted"');

    const listed = await hookfleet('events', 'list', '--json', '--delivery-id', deliveryId);
    expect(listed.code).toBe(0);
    const page = JSON.parse(listed.stdout) as { data: Array<Record<string, unknown>> };
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ delivery_id: deliveryId, event_type: 'pull_request', action: 'opened' });

    const table = await hookfleet('events', 'list', '--event-type', 'pull_request');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+EVENT_TYPE\s+ACTION\s+STATUS/);
    expect(table.stdout).toContain(String(page.data[0]!.id));

    const shown = await hookfleet('events', 'show', String(page.data[0]!.id));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`delivery_id:\\s+${deliveryId}`));
    expect(shown.stdout).toContain('tasks:');

    const shownJson = await hookfleet('events', 'show', String(page.data[0]!.id), '--json');
    expect(JSON.parse(shownJson.stdout)).toMatchObject({ id: page.data[0]!.id, payload: { action: 'opened' } });
  });

  it('exits non-zero with invalid_signature when the secret is wrong', async () => {
    const sent = await hookfleet('send', 'pull_request', '--url', webhookUrl(), '--secret', 'not-the-secret');
    expect(sent.code).toBe(1);
    expect(sent.stdout).toContain('HTTP 401');
    expect(sent.stderr).toContain('error: invalid_signature');
  });
});

describe('hookfleet replay', () => {
  it('sends every line of a JSONL file, in order, one result line each', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const lines = [
      { event: 'ping', payload: { zen: 'Keep it logically awesome.', hook_id: 1 }, delivery_id: ids[0] },
      { event: 'issues', payload: { action: 'opened', issue: { number: 1 } }, delivery_id: ids[1] },
      { event: 'ping', payload: { zen: 'Design for failure.', hook_id: 2 }, delivery_id: ids[2] },
    ];
    const file = join(workDir, 'deliveries.jsonl');
    await writeFile(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);

    const replayed = await hookfleet('replay', file, '--url', webhookUrl());
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    const output = replayed.stdout.trim().split('\n');
    expect(output).toHaveLength(3);
    output.forEach((line, index) => expect(line).toContain(ids[index]));

    const stored = await stack.prisma.webhookEvent.findMany({
      where: { deliveryId: { in: ids } },
      orderBy: { sequence: 'asc' },
    });
    expect(stored.map((event) => event.deliveryId)).toEqual(ids);
  });

  it('exits non-zero when a delivery is refused, after sending the rest', async () => {
    const file = join(workDir, 'refused.jsonl');
    const id = randomUUID();
    await writeFile(
      file,
      ['{"event": "ping"}', JSON.stringify({ event: 'ping', payload: { zen: 'x' }, delivery_id: id })].join('\n'),
    );
    const replayed = await hookfleet('replay', file, '--url', webhookUrl());
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain('not sent: "payload" must be an object');
    expect(replayed.stdout).toContain(id);
    expect(replayed.stderr).toContain('1 of 2 deliveries');
  });
});

describe('hookfleet admin commands', () => {
  it('dlq list --json prints the API page', async () => {
    const listed = await hookfleet('dlq', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ data: expect.any(Array), pagination: expect.any(Object) });
  });

  it('events reprocess with a filter runs a bulk operation and waits for it to complete', async () => {
    const reprocessed = await hookfleet('events', 'reprocess', '--filter-event-type', 'ping', '--json');
    expect(reprocessed.code).toBe(0);
    const operation = JSON.parse(reprocessed.stdout) as { kind: string; state: string; progress: { total: number } };
    expect(operation).toMatchObject({ kind: 'events.reprocess', state: 'completed' });
    expect(operation.progress.total).toBeGreaterThanOrEqual(3);
  });

  it('events reprocess refuses both an id and a filter', async () => {
    const refused = await hookfleet('events', 'reprocess', randomUUID(), '--filter-status', 'dead');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('give either an event id or at least one --filter-*');
  });

  it('tasks list prints a table', async () => {
    const listed = await hookfleet('tasks', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^(ID\s+TASK_TYPE|\(none\))/);
  });

  it('shows the API error code for an unknown event', async () => {
    const shown = await hookfleet('events', 'show', randomUUID());
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain('error: event_not_found');
  });

  it('a bad admin token exits 1 with invalid_token and never echoes the token', async () => {
    const token = 'wrong-token-do-not-print';
    const listed = await hookfleet('--token', token, 'events', 'list');
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('error: invalid_token');
    expect(listed.stdout + listed.stderr).not.toContain(token);
  });
});

describe('hookfleet sources transform-test', () => {
  it('shows a transform’s result, or the limit it broke, for a sample payload', async () => {
    const created = await fetch(`${stack.admin.url}/api/v1/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'github',
        name: 'cli-transform',
        secret: 'cli-transform-secret',
        settings: { processing: { mode: 'transform', expression: '{"repo": repository.full_name}' } },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const payloadFile = join(workDir, 'sample.json');
    await writeFile(payloadFile, JSON.stringify({ repository: { full_name: 'octo/cli' } }));

    const own = await hookfleet('sources', 'transform-test', id, '--payload', payloadFile);
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(/^ok \(\d+ bytes, \d+ ms\)/);
    expect(own.stdout).toContain('"repo": "octo/cli"');

    const looping = await hookfleet(
      'sources',
      'transform-test',
      id,
      '--payload',
      payloadFile,
      '--expression',
      '($loop := function($x) { $loop($x + 1) }; $loop(0))',
    );
    expect(looping.code).toBe(1);
    expect(looping.stderr).toContain('transform exceeded its time limit');
  });
});
