// Real local HTTP servers stand in for forward targets; nothing here leaves the machine.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '@hookfleet/queue';
import { forwardEvent, forwardMessageId } from './forward.js';
import { ForwardTargetRefusedError, createGuardedAgents, type ResolveHostname } from './ssrf.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  port: number;
  received: Received[];
}

const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Listens on every interface, so "localhost" reaches it whichever address family it resolves to first. */
async function startServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const received: Received[] = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ headers: req.headers, body });
    answer(req, res);
  });
  servers.push(server);
  server.listen(0);
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, received };
}

const answerWith =
  (status: number, headers: Record<string, string> = {}) =>
  (_req: http.IncomingMessage, res: http.ServerResponse) =>
    res.writeHead(status, headers).end('answer body');

/** One GET through an agent: its status, or the error the socket failed with. */
function getThrough(agent: http.Agent, url: string): Promise<{ status: number } | { error: Error }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', (error) => resolve({ error }));
  });
}

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const strictAgents = createGuardedAgents({ allowPrivateNetwork: false });
const permissiveAgents = createGuardedAgents({ allowPrivateNetwork: true });

describe('guarded agents', () => {
  it('refuse a hostname that resolves to loopback when connecting, before any request is sent', async () => {
    const target = await startServer(answerWith(200));
    const result = await getThrough(strictAgents.httpAgent, `http://localhost:${target.port}/hook`);
    expect(result).toMatchObject({ error: expect.any(ForwardTargetRefusedError) });
    expect((result as { error: Error }).error.message).toMatch(/localhost resolves to .*loopback/);
    expect(target.received).toHaveLength(0);
  });

  it('reach the same server when the source allows private networks', async () => {
    const target = await startServer(answerWith(204));
    expect(await getThrough(permissiveAgents.httpAgent, `http://localhost:${target.port}/hook`)).toEqual({
      status: 204,
    });
    expect(target.received).toHaveLength(1);
  });

  it('refuse a name when any of its addresses is private, not only the first', async () => {
    const resolve: ResolveHostname = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '::ffff:10.0.0.7', family: 6 },
    ];
    const agents = createGuardedAgents({ allowPrivateNetwork: false }, { resolve });
    const result = await getThrough(agents.httpAgent, 'http://mixed.test/hook');
    expect(result).toMatchObject({ error: expect.any(ForwardTargetRefusedError) });
    expect((result as { error: Error }).error.message).toMatch(/10\.0\.0\.7/);
  });

  it('resolve the hostname again for every connection, so a rebound name is caught', async () => {
    const target = await startServer(answerWith(200));
    const answers = ['127.0.0.1', '10.0.0.7'];
    const lookups: string[] = [];
    const resolve: ResolveHostname = async (hostname) => {
      lookups.push(hostname);
      return [{ address: answers.shift()!, family: 4 }];
    };
    // Permissive for the first (loopback) answer to be connectable, so this shows resolution per connection;
    // the strict policy on a private answer is shown above.
    const agents = createGuardedAgents({ allowPrivateNetwork: true }, { resolve });
    expect(await getThrough(agents.httpAgent, `http://rebind.test:${target.port}/`)).toEqual({ status: 200 });
    await getThrough(agents.httpAgent, `http://rebind.test:${target.port}/`);
    expect(lookups).toEqual(['rebind.test', 'rebind.test']);
  });
});

describe('forwardEvent', () => {
  const request = { eventId: 'b9a0f3a4-7c1e-4c55-9d8e-0d6f2f6f2a11', generation: 2, signingSecret: secret };

  it('posts the payload signed with Standard Webhooks', async () => {
    const target = await startServer(answerWith(200));
    const outcome = await forwardEvent({
      ...request,
      payload: { type: 'invoice.paid', amount: 42 },
      url: `http://127.0.0.1:${target.port}/hook`,
      timeoutMs: 5000,
      agents: permissiveAgents,
    });
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(target.received).toHaveLength(1);
    const [delivery] = target.received;
    expect(delivery!.body).toBe('{"type":"invoice.paid","amount":42}');
    expect(delivery!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Hookfleet-Forwarder',
      'webhook-id': forwardMessageId(request.eventId, request.generation),
    });
    expect(new Webhook(secret).verify(delivery!.body, delivery!.headers as Record<string, string>)).toEqual({
      type: 'invoice.paid',
      amount: 42,
    });
  });

  it('does not follow a redirect: a 3xx is a permanent failure', async () => {
    const redirectTarget = await startServer(answerWith(200));
    const target = await startServer(answerWith(302, { location: `http://127.0.0.1:${redirectTarget.port}/` }));
    const outcome = await forwardEvent({
      ...request,
      payload: {},
      url: `http://127.0.0.1:${target.port}/hook`,
      timeoutMs: 5000,
      agents: permissiveAgents,
    });
    expect(outcome).toMatchObject({ ok: false, statusCode: 302, error: expect.any(UnrecoverableError) });
    expect(target.received).toHaveLength(1);
    expect(redirectTarget.received).toHaveLength(0);
  });

  it('refuses localhost at connect time without allowPrivateNetwork, permanently', async () => {
    const target = await startServer(answerWith(200));
    const outcome = await forwardEvent({
      ...request,
      payload: {},
      url: `http://localhost:${target.port}/hook`,
      timeoutMs: 5000,
      agents: strictAgents,
    });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: expect.any(UnrecoverableError) });
    expect(outcome.ok || outcome.error.message).toMatch(/localhost resolves to/);
    expect(target.received).toHaveLength(0);
  });

  it('refuses a literal private address before connecting', async () => {
    const target = await startServer(answerWith(200));
    const outcome = await forwardEvent({
      ...request,
      payload: {},
      url: `http://127.0.0.1:${target.port}/hook`,
      timeoutMs: 5000,
      agents: strictAgents,
    });
    expect(outcome).toMatchObject({ ok: false, durationMs: null, error: expect.any(UnrecoverableError) });
    expect(target.received).toHaveLength(0);
  });

  it('treats a target that does not answer in time as retryable', async () => {
    const target = await startServer(() => {
      // Never answers.
    });
    const outcome = await forwardEvent({
      ...request,
      payload: {},
      url: `http://127.0.0.1:${target.port}/hook`,
      timeoutMs: 200,
      agents: permissiveAgents,
    });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: expect.any(RetryableError) });
    expect(outcome.ok || outcome.error.message).toMatch(/no answer within 200 ms/);
  });

  it('refuses a secret that is not a Standard Webhooks key without sending', async () => {
    const target = await startServer(answerWith(200));
    const outcome = await forwardEvent({
      ...request,
      signingSecret: 'not-base64-!!',
      payload: {},
      url: `http://127.0.0.1:${target.port}/hook`,
      timeoutMs: 5000,
      agents: permissiveAgents,
    });
    expect(outcome).toMatchObject({ ok: false, error: expect.any(UnrecoverableError) });
    expect(target.received).toHaveLength(0);
  });
});
