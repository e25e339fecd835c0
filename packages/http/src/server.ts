import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Express with helmet's headers (its strict defaults unless an app serving pages passes its own, e.g. a
 * CSP) and no X-Powered-By; `trust proxy` stays off until an app sets it.
 */
export function createBaseApp(options: { helmet?: HelmetOptions } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet(options.helmet));
  return app;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens and resolves with the bound port (port 0 picks a free one). */
export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const server = app.listen(port, host);
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    server,
    port: bound,
    url: `http://${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
        server.closeIdleConnections();
      }),
  };
}
