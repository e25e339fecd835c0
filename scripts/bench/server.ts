// One server under test for scripts/bench-ingress.ts, alone in its own process:
//   node --import tsx --conditions=@hookfleet/source scripts/bench/server.ts <node-http|express|hookfleet>
// The benchmark starts it with fork() and talks to it over IPC (./protocol.ts); it is not meant to be run
// by hand. A process of its own gives the server its own core and event loop, away from the load generator.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { BASELINE_SECRET_ENV, TARGETS, WEBHOOK_PATH, type ChildMessage, type ParentMessage } from './protocol.js';

interface Running {
  url: string;
  stop(): Promise<void>;
}

/** The same check Hookfleet makes (HMAC-SHA256 of the raw body, compared in constant time). */
function signatureMatches(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function listening(server: Server): Promise<Running> {
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The floor: node:http, buffer the body, verify, 202. */
function startNodeHttp(secret: string): Promise<Running> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const ok = signatureMatches(secret, Buffer.concat(chunks), req.headers['x-hub-signature-256']);
      res.writeHead(ok ? 202 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { status: 'accepted' } : { error: 'invalid signature' }));
    });
  });
  server.listen(0, '127.0.0.1');
  return listening(server);
}

// Express is a dependency of apps/ingress, not of the root, so it is loaded from there. Its types live in
// that package too; this is the little of its API the baseline uses.
type ExpressRequest = IncomingMessage & { body?: unknown };
type ExpressResponse = ServerResponse & { status(code: number): { json(body: unknown): void } };
type ExpressHandler = (req: ExpressRequest, res: ExpressResponse) => void;
interface ExpressModule {
  (): { post(path: string, ...handlers: unknown[]): void; listen(port: number, host: string): Server };
  raw(options: { type: string; limit: string }): unknown;
}

/** The baseline: a bare Express 5 app with express.raw, the same verification, 202. */
function startExpress(secret: string): Promise<Running> {
  const require = createRequire(new URL('../../apps/ingress/package.json', import.meta.url));
  const express = require('express') as ExpressModule;
  const app = express();
  const receive: ExpressHandler = (req, res) => {
    const ok = Buffer.isBuffer(req.body) && signatureMatches(secret, req.body, req.headers['x-hub-signature-256']);
    res.status(ok ? 202 : 401).json(ok ? { status: 'accepted' } : { error: 'invalid signature' });
  };
  app.post(WEBHOOK_PATH, express.raw({ type: 'application/json', limit: '25mb' }), receive);
  return listening(app.listen(0, '127.0.0.1'));
}

/** The real thing, configured from the env the benchmark passes (its own database and queue prefix). */
async function startHookfleet(): Promise<Running> {
  // Imported here so that the baseline processes do not load Prisma and BullMQ at all.
  const { parseConfig } = await import('@hookfleet/config');
  const { ingressConfigSchema, startIngress } = await import('@hookfleet/ingress');
  const ingress = await startIngress(parseConfig(ingressConfigSchema, process.env));
  return { url: ingress.url, stop: () => ingress.stop() };
}

function start(target: string): Promise<Running> {
  const secret = process.env[BASELINE_SECRET_ENV] ?? '';
  switch (target) {
    case 'node-http':
      return startNodeHttp(secret);
    case 'express':
      return startExpress(secret);
    case 'hookfleet':
      return startHookfleet();
    default:
      throw new Error(`unknown target ${target}; expected one of ${TARGETS.join(', ')}`);
  }
}

const target = process.argv[2] ?? '';
const send = (message: ChildMessage) => process.send?.(message);
try {
  const running = await start(target);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'cpu') send({ type: 'cpu', usage: process.cpuUsage() });
    if (message.type === 'stop') {
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`bench server ${target} failed to stop:`, error);
          process.exit(1);
        },
      );
    }
  });
  // The parent gone (killed, crashed) means nobody will send 'stop': do not outlive it.
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready', url: running.url });
} catch (error) {
  console.error(`bench server ${target} failed to start:`, error);
  process.exit(1);
}
