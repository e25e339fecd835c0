// Starts a whole Hookfleet (ingress, worker, admin) in this process on port 0, against the test file's
// own database and Redis prefix, plus real local HTTP servers standing in for its downstreams.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminConfigSchema, startAdmin, type RunningAdmin } from '@hookfleet/admin';
import { parseConfig } from '@hookfleet/config';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import { signGithubBody, type TestEnvironment } from '@hookfleet/devkit';
import type { Logger } from '@hookfleet/observability';
export { testEnvironment } from '@hookfleet/devkit/vitest';
import { ingressConfigSchema, startIngress, type RunningIngress } from '@hookfleet/ingress';
import { startWorker, workerConfigSchema, type RunningWorker } from '@hookfleet/worker';

export const WEBHOOK_SECRET = 'e2e-webhook-secret';
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
export const AGENTAPI_KEY = 'e2e-agentapi-key';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The JSON body parsed; a body that is not JSON as its text; null when empty. */
  body: unknown;
  /** The exact bytes received, as UTF-8 (what a signature is computed over). */
  rawBody: string;
}

export interface FakeAnswer {
  status: number;
  /** Sent as JSON, unless `text` is given. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as it is (text/plain unless `headers` say otherwise) instead of `body` as JSON, e.g. Slack's "ok". */
  text?: string;
}

export type Responder = (request: RecordedRequest) => Promise<FakeAnswer> | FakeAnswer;

function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A real HTTP server playing a downstream (AgentAPI by default: pass `respond` to play another);
 * it records every request and `respond` decides each answer (and may delay it).
 */
export class FakeAgentApi {
  readonly requests: RecordedRequest[] = [];
  respond: Responder;
  private server: Server | undefined;
  url = '';

  constructor(respond?: Responder) {
    this.respond =
      respond ??
      ((request) => ({
        status: 201,
        body: { id: `agent-${this.requests.indexOf(request) + 1}`, url: 'https://agent.example/tasks/1' },
      }));
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const request: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: parseBody(text),
        rawBody: text,
      };
      this.requests.push(request);
      const answer = await this.respond(request);
      const contentType = answer.text === undefined ? 'application/json' : 'text/plain';
      res
        .writeHead(answer.status, { 'content-type': contentType, ...answer.headers })
        .end(answer.text ?? JSON.stringify(answer.body));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** The same class under the name that says what it is for any downstream (Codegen, MAS, Slack...). */
export { FakeAgentApi as FakeDownstream };

export interface Stack {
  ingress: RunningIngress;
  worker: RunningWorker;
  admin: RunningAdmin;
  prisma: PrismaClient;
  stop(): Promise<void>;
}

export async function startStack(
  env: TestEnvironment['env'],
  options: {
    agentApiUrl?: string;
    /** Extra env of each app, over the defaults. */
    worker?: Record<string, string>;
    ingress?: Record<string, string>;
    admin?: Record<string, string>;
    /** Every app logs through it (by default each app makes its own from LOG_LEVEL). */
    logger?: Logger;
  } = {},
): Promise<Stack> {
  const logging = options.logger ? { logger: options.logger } : {};
  const ingress = await startIngress(
    parseConfig(ingressConfigSchema, {
      ...env,
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ...options.ingress,
    }),
    logging,
  );
  const worker = await startWorker(
    parseConfig(workerConfigSchema, {
      ...env,
      WORKER_HEALTH_PORT: '0',
      ...(options.agentApiUrl
        ? { AGENTAPI_BASE_URL: options.agentApiUrl, AGENTAPI_API_KEY: AGENTAPI_KEY, AGENTAPI_TIMEOUT_MS: '2000' }
        : {}),
      ...options.worker,
    }),
    logging,
  );
  const admin = await startAdmin(
    parseConfig(adminConfigSchema, {
      ...env,
      ADMIN_PORT: '0',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      // Tests poll the admin far faster than an operator would: its rate limit is raised out of their way.
      ADMIN_RATE_LIMIT_PER_MINUTE: '1000000',
      ADMIN_RATE_LIMIT_BURST: '0',
      ...options.admin,
    }),
    logging,
  );
  const prisma = createPrismaClient(env.DATABASE_URL, { poolMax: 2 });
  const stack: Stack = {
    ingress,
    worker,
    admin,
    prisma,
    async stop() {
      // The stack's worker as it is now: a test may have put another in its place.
      await stack.worker.stop();
      await ingress.stop();
      await admin.stop();
      await prisma.$disconnect();
    },
  };
  return stack;
}

let deliveryCounter = 0;

export interface Delivery {
  event: string;
  payload: unknown;
  deliveryId?: string;
  hookId?: string;
  /** Sign with another secret (forgery). */
  secret?: string;
  /** Send these bytes instead of JSON.stringify(payload). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Where to post: a source's URL (/webhooks/github/<source id>); the built-in GitHub source by default. */
  path?: string;
}

export async function deliver(
  ingressUrl: string,
  delivery: Delivery,
): Promise<{ status: number; body: Record<string, unknown>; deliveryId: string }> {
  const deliveryId = delivery.deliveryId ?? `00000000-0000-4000-8000-${String(++deliveryCounter).padStart(12, '0')}`;
  const body = delivery.rawBody ?? JSON.stringify(delivery.payload);
  const response = await fetch(`${ingressUrl}${delivery.path ?? '/webhooks/github'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/e2e',
      'x-github-event': delivery.event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': delivery.hookId ?? '4242',
      'x-hub-signature-256': signGithubBody(delivery.secret ?? WEBHOOK_SECRET, body),
      ...delivery.headers,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, deliveryId };
}

export async function adminGet<T = Record<string, unknown>>(
  adminUrl: string,
  path: string,
  token = ADMIN_TOKEN,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as T };
}

/** POSTs to the admin API; `body`, when given, is sent as JSON. */
export async function adminPost<T = Record<string, unknown>>(
  adminUrl: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${adminUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A worker as production runs it: its own process and main(), stdout and stderr piped. */
export function spawnWorkerProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--conditions=@hookfleet/source', '--import', 'tsx', 'apps/worker/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, WORKER_HEALTH_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
