// The Express baseline, and the Express module the naive pipeline builds on.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { WEBHOOK_PATH } from '../protocol.js';
import { closeServer, listenOnLoopback, type RunningServer } from './running-server.js';
import { signatureMatches } from './signature.js';

// Express is a dependency of apps/ingress, not of the root, so it is loaded from there, the same version
// Hookfleet runs. Its types live in that package too: this is the little of its API the benchmark uses.
export type ExpressRequest = IncomingMessage & { body?: unknown };
export type ExpressResponse = ServerResponse & { status(code: number): { json(body: unknown): void } };
export type Handler = (req: ExpressRequest, res: ExpressResponse, next: (error?: unknown) => void) => unknown;
export type ErrorHandler = (error: unknown, req: ExpressRequest, res: ExpressResponse, next: unknown) => void;
type ExpressApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  post(path: string, ...handlers: unknown[]): void;
  use(handler: Handler | ErrorHandler): void;
};
interface ExpressModule {
  (): ExpressApp;
  raw(options: { type: string; limit: string }): unknown;
}

export function loadExpress(): ExpressModule {
  const require = createRequire(new URL('../../../apps/ingress/package.json', import.meta.url));
  return require('express') as ExpressModule;
}

/** Express 5 with express.raw (the body parser Hookfleet's webhook route uses), the same verification, 202. */
export async function startExpress(secret: string): Promise<RunningServer> {
  const express = loadExpress();
  const app = express();
  const receive: Handler = (req, res) => {
    const ok = Buffer.isBuffer(req.body) && signatureMatches(secret, req.body, req.headers['x-hub-signature-256']);
    res.status(ok ? 202 : 401).json(ok ? { status: 'accepted' } : { error: 'invalid signature' });
  };
  app.post(WEBHOOK_PATH, express.raw({ type: 'application/json', limit: '25mb' }), receive);
  const server = createServer(app);
  return { url: await listenOnLoopback(server), stop: () => closeServer(server) };
}
