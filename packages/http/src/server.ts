import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
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

/** How long a client may take and how many may connect at once; unset fields keep Node's defaults. */
export interface ConnectionLimits {
  /** To receive a request's headers. */
  headersTimeoutMs?: number;
  /** To receive a whole request, body included. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs?: number;
  /** Connections beyond this are closed as they arrive. */
  maxConnections?: number;
}

/** Listens and resolves with the bound port (port 0 picks a free one). */
export async function listen(
  app: Express,
  port: number,
  host = '0.0.0.0',
  limits: ConnectionLimits = {},
): Promise<RunningServer> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default), which would stretch them.
      ...(limits.headersTimeoutMs || limits.requestTimeoutMs ? { connectionsCheckingInterval: 1000 } : {}),
    },
    app,
  );
  if (limits.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
  server.listen(port, host);
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
