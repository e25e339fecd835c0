import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAxiosError } from 'axios';
import { UnrecoverableError } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { createCodegenClient } from './codegen.js';
import { createLinearClient } from './linear.js';
import { createMasClient } from './mas.js';
import { createSlackNotifier } from './slack.js';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A real HTTP peer on 127.0.0.1: records each request and answers it, or never answers ('hang'). */
interface Peer {
  url: string;
  received: ReceivedRequest[];
}

const servers: Server[] = [];

async function startPeer(answer: Answer | 'hang'): Promise<Peer> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers ?? { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const json = (value: unknown, status = 200): Answer => ({ status, body: JSON.stringify(value) });

function onlyRequest(peer: Peer): ReceivedRequest & { json: unknown } {
  expect(peer.received).toHaveLength(1);
  const request = peer.received[0]!;
  return { ...request, json: request.body ? JSON.parse(request.body) : undefined };
}

describe('codegen', () => {
  const client = (url: string, timeoutMs = 2_000) =>
    createCodegenClient({ baseUrl: url, token: 'cg-token', orgId: 'org 42', timeoutMs });

  it('posts the prompt to the organization agent-run path with bearer token and idempotency key', async () => {
    const peer = await startPeer(json({ id: 991, status: 'ACTIVE', web_url: 'https://codegen.test/run/991' }));
    const run = await client(peer.url).createAgentRun({ prompt: 'Fix the build', idempotencyKey: 'task-1' });

    const request = onlyRequest(peer);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/organizations/org%2042/agent/run');
    expect(request.headers.authorization).toBe('Bearer cg-token');
    expect(request.headers['idempotency-key']).toBe('task-1');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual({ prompt: 'Fix the build' });
    expect(run).toEqual({
      id: '991',
      url: 'https://codegen.test/run/991',
      status: 'ACTIVE',
      response: { id: 991, status: 'ACTIVE', web_url: 'https://codegen.test/run/991' },
    });
  });

  it('sends metadata when given and tolerates an answer without url or status', async () => {
    const peer = await startPeer(json({ id: 'run-7' }));
    const run = await client(peer.url).createAgentRun({
      prompt: 'p',
      idempotencyKey: 'task-2',
      metadata: { repository: 'octo/one' },
    });
    expect(onlyRequest(peer).json).toEqual({ prompt: 'p', metadata: { repository: 'octo/one' } });
    expect(run).toMatchObject({ id: 'run-7', url: null, status: null });
  });

  it('refuses a 2xx answer without a run id', async () => {
    const peer = await startPeer(json({ status: 'ACTIVE' }));
    await expect(client(peer.url).createAgentRun({ prompt: 'p', idempotencyKey: 'k' })).rejects.toThrow(/run id/);
  });

  it('lets a 429 propagate as an axios error carrying Retry-After', async () => {
    const peer = await startPeer({
      status: 429,
      body: '{"detail":"slow down"}',
      headers: { 'content-type': 'application/json', 'retry-after': '30' },
    });
    const error: unknown = await client(peer.url)
      .createAgentRun({ prompt: 'p', idempotencyKey: 'k' })
      .catch((caught: unknown) => caught);
    expect(isAxiosError(error)).toBe(true);
    expect(isAxiosError(error) && error.response?.status).toBe(429);
    expect(isAxiosError(error) && error.response?.headers['retry-after']).toBe('30');
  });
});

describe('mas', () => {
  const payload = {
    type: 'pull_request',
    priority: 'high' as const,
    metadata: { repo: 'octo/one', pr_number: 7, title: 'Add login', author: 'mona' },
  };
  const task = {
    taskType: 'review_pull_request' as const,
    payload,
    callbackUrl: 'https://admin.test/api/v1/mas/callback',
    idempotencyKey: 'task-9',
  };

  it('posts the task in the protocol 2.1 shape and returns task_id', async () => {
    const peer = await startPeer(json({ task_id: 'mas-1', state: 'queued' }, 202));
    const result = await createMasClient({ baseUrl: peer.url, apiKey: 'mas-key', timeoutMs: 2_000 }).submitTask(task);

    const request = onlyRequest(peer);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/v1/tasks');
    expect(request.headers.authorization).toBe('Bearer mas-key');
    expect(request.headers['idempotency-key']).toBe('task-9');
    expect(request.json).toEqual({
      task_type: 'review_pull_request',
      payload,
      callback_url: 'https://admin.test/api/v1/mas/callback',
      protocol_version: '2.1',
    });
    expect(result).toEqual({ taskId: 'mas-1', response: { task_id: 'mas-1', state: 'queued' } });
  });

  it('sends no Authorization header without an API key', async () => {
    const peer = await startPeer(json({ task_id: 'mas-2' }));
    await createMasClient({ baseUrl: peer.url, timeoutMs: 2_000 }).submitTask(task);
    expect(onlyRequest(peer).headers.authorization).toBeUndefined();
  });

  it('refuses a 2xx answer without task_id', async () => {
    const peer = await startPeer(json({ accepted: true }));
    await expect(createMasClient({ baseUrl: peer.url, timeoutMs: 2_000 }).submitTask(task)).rejects.toThrow(/task_id/);
  });

  it('lets a 400 propagate as an axios error', async () => {
    const peer = await startPeer(json({ error: 'bad task' }, 400));
    const error: unknown = await createMasClient({ baseUrl: peer.url, timeoutMs: 2_000 })
      .submitTask(task)
      .catch((caught: unknown) => caught);
    expect(isAxiosError(error) && error.response?.status).toBe(400);
  });
});

describe('linear', () => {
  const client = (url: string) =>
    createLinearClient({ apiUrl: `${url}/graphql`, apiKey: 'lin_api_key', timeoutMs: 2_000 });

  it('creates the comment with the raw API key and the identifier as issueId', async () => {
    const peer = await startPeer(json({ data: { commentCreate: { success: true, comment: { id: 'c-1' } } } }));
    const result = await client(peer.url).commentOnIssue({ identifier: 'ENG-123', body: 'Review started' });

    const request = onlyRequest(peer);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/graphql');
    expect(request.headers.authorization).toBe('lin_api_key');
    const sent = request.json as { query: string; variables: unknown };
    expect(sent.query).toMatch(/commentCreate\(input: \{ issueId: \$issueId, body: \$body \}\)/);
    expect(sent.variables).toEqual({ issueId: 'ENG-123', body: 'Review started' });
    expect(result).toEqual({ commentId: 'c-1' });
  });

  it('throws UnrecoverableError when Linear says the issue does not exist', async () => {
    const peer = await startPeer(
      json({
        data: null,
        errors: [{ message: 'Entity not found: Issue', extensions: { code: 'INPUT_ERROR', userError: true } }],
      }),
    );
    await expect(client(peer.url).commentOnIssue({ identifier: 'ENG-999', body: 'x' })).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });

  it('throws a plain (retryable) Error for other GraphQL errors', async () => {
    const peer = await startPeer(json({ data: null, errors: [{ message: 'Internal server error' }] }));
    const error: unknown = await client(peer.url)
      .commentOnIssue({ identifier: 'ENG-1', body: 'x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/Internal server error/);
  });

  it('throws when commentCreate reports no success', async () => {
    const peer = await startPeer(json({ data: { commentCreate: { success: false, comment: null } } }));
    await expect(client(peer.url).commentOnIssue({ identifier: 'ENG-1', body: 'x' })).rejects.toThrow(
      /did not succeed/,
    );
  });
});

describe('slack', () => {
  it('posts text and blocks as JSON to the webhook URL', async () => {
    const peer = await startPeer({ status: 200, body: 'ok', headers: { 'content-type': 'text/html' } });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*PR #7* opened' } }];
    await createSlackNotifier({ webhookUrl: `${peer.url}/services/T1/B2/secret`, timeoutMs: 2_000 }).notify({
      text: 'PR #7 opened',
      blocks,
    });

    const request = onlyRequest(peer);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/services/T1/B2/secret');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual({ text: 'PR #7 opened', blocks });
  });

  it('rejects on a Slack error answer without exposing the webhook path', async () => {
    const peer = await startPeer({ status: 404, body: 'no_service', headers: { 'content-type': 'text/html' } });
    const error: unknown = await createSlackNotifier({
      webhookUrl: `${peer.url}/services/T1/B2/secret`,
      timeoutMs: 2_000,
    })
      .notify({ text: 'hello' })
      .catch((caught: unknown) => caught);
    expect(isAxiosError(error) && error.response?.status).toBe(404);
    expect(isAxiosError(error) && error.response?.data).toBe('no_service');
    expect(JSON.stringify(isAxiosError(error) ? error.toJSON() : error)).not.toContain('secret');
  });
});

describe('timeouts', () => {
  const calls: Record<string, (url: string) => Promise<unknown>> = {
    codegen: (url) =>
      createCodegenClient({ baseUrl: url, token: 't', orgId: '1', timeoutMs: 200 }).createAgentRun({
        prompt: 'p',
        idempotencyKey: 'k',
      }),
    mas: (url) =>
      createMasClient({ baseUrl: url, timeoutMs: 200 }).submitTask({
        taskType: 'review_pull_request',
        payload: {
          type: 'pull_request',
          priority: 'high',
          metadata: { repo: 'o/r', pr_number: 1, title: null, author: null },
        },
        callbackUrl: 'https://admin.test/cb',
        idempotencyKey: 'k',
      }),
    linear: (url) =>
      createLinearClient({ apiUrl: url, apiKey: 'k', timeoutMs: 200 }).commentOnIssue({
        identifier: 'ENG-1',
        body: 'x',
      }),
    slack: (url) => createSlackNotifier({ webhookUrl: `${url}/services/x`, timeoutMs: 200 }).notify({ text: 'x' }),
  };

  it.each(Object.keys(calls))('%s rejects with an axios timeout when the peer never answers', async (name) => {
    const peer = await startPeer('hang');
    const error: unknown = await calls[name]!(peer.url).catch((caught: unknown) => caught);
    expect(isAxiosError(error)).toBe(true);
    expect(isAxiosError(error) && error.code).toBe('ECONNABORTED');
    expect(peer.received).toHaveLength(1);
  });
});
