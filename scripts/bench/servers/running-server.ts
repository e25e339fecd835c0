// What every server under test gives the child process: where it listens, and how to stop it.
import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  url: string;
  /** Stops accepting, lets in-flight requests finish, then closes the server's clients. */
  stop(): Promise<void>;
}

export async function listenOnLoopback(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

let failures = 0;

/** Counts a request that failed in the server; the first one is printed, so a broken target is obvious. */
export function reportFailure(target: string, error: unknown): void {
  failures += 1;
  if (failures === 1) console.error(`bench server ${target}: a request failed (later failures not printed):`, error);
}
