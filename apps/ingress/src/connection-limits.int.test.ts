// The ingress's connection limits against slow and greedy clients, on raw sockets: a client that sends
// its headers or its body too slowly is cut off at the configured time (Node's defaults are a minute and
// five minutes), connections past the cap are closed, and ordinary deliveries are served meanwhile.
import { connect, type Socket } from 'node:net';
import { signGithubBody } from '@hookfleet/devkit';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngress } from '../test-support/start-test-ingress.js';
import type { RunningIngress } from './ingress.js';

const SECRET = 'connection-limits-secret';
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const MAX_CONNECTIONS = 8;
/** Far below Node's defaults, far above the configured limits: a socket still open past this was not cut. */
const CUT_WITHIN_MS = 10_000;

const environment = useTestEnvironment();
let ingress: RunningIngress;
const sockets: Socket[] = [];

beforeAll(async () => {
  ingress = environment.stopAtEnd(
    await startTestIngress(environment.env, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      WEBHOOK_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      WEBHOOK_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      WEBHOOK_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
    }),
  );
});

afterAll(() => {
  for (const socket of sockets) socket.destroy();
});

async function open(): Promise<Socket> {
  const socket = connect(ingress.port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Writes `chunks` one every `everyMs` until the server closes the socket; resolves with what it answered. */
function trickle(socket: Socket, chunks: string[], everyMs: number): Promise<{ closed: boolean; answer: string }> {
  return new Promise((resolve) => {
    let answer = '';
    let index = 0;
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('error', () => {});
    const timer = setInterval(() => {
      if (index < chunks.length && !socket.destroyed) socket.write(chunks[index++]!);
    }, everyMs);
    const give = setTimeout(() => finish(false), CUT_WITHIN_MS);
    const finish = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(give);
      resolve({ closed, answer });
    };
    socket.once('close', () => finish(true));
  });
}

async function deliver(): Promise<number> {
  const body = JSON.stringify({ zen: 'Design for failure.' });
  const response = await fetch(`${ingress.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': signGithubBody(SECRET, body),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('connection limits', () => {
  it('cuts off slow headers and slow bodies at the configured times while serving deliveries', async () => {
    const slowHeaders = trickle(
      await open(),
      [
        'POST /webhooks/github HTTP/1.1\r\n',
        'Host: x\r\n',
        ...Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: 1\r\n`),
      ],
      200,
    );
    const slowBody = trickle(
      await open(),
      [
        'POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
        ...Array.from({ length: 200 }, () => ' '),
      ],
      200,
    );
    // Served while both slow clients are connected.
    expect(await deliver()).toBe(202);
    const [headers, body] = await Promise.all([slowHeaders, slowBody]);
    expect(headers.closed).toBe(true);
    expect(headers.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(body.closed).toBe(true);
    expect(body.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(await deliver()).toBe(202);
  });

  it('closes connections past the cap, and serves again once they are gone', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => open()));
    const extra = connect(ingress.port, '127.0.0.1');
    sockets.push(extra);
    extra.on('error', () => {});
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), CUT_WITHIN_MS);
      extra.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await deliver()).toBe(202);
  });
});
