// The floor: node:http, buffer the body, verify, 202.
import { createServer } from 'node:http';
import { closeServer, listenOnLoopback, readBody, type RunningServer } from './running-server.js';
import { signatureMatches } from './signature.js';

export async function startNodeHttp(secret: string): Promise<RunningServer> {
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const ok = signatureMatches(secret, body, req.headers['x-hub-signature-256']);
      res.writeHead(ok ? 202 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { status: 'accepted' } : { error: 'invalid signature' }));
    });
  });
  return { url: await listenOnLoopback(server), stop: () => closeServer(server) };
}
