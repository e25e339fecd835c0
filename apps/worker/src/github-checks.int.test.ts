// The back-channel with GitHub App credentials, against a local HTTP server playing GitHub: the App's JWT
// buys an installation token (the event's installation, or the repository's when the event names none),
// check runs go out under that token, and /health asks the App or its installation. And a database outage
// (the ledger's) propagates out of a report instead of being swallowed as GitHub's failure.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, isDatabaseUnavailable, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createLogger, createMetrics } from '@hookfleet/observability';
import { planEvent } from '@hookfleet/planning';
import { createDownstreamCircuit } from './downstream-circuit.js';
import { createGithubReporter, type GithubReporter } from './github-checks.js';
import type { EventRecord } from './run-context.js';
import { createSideEffectLedger } from './side-effects.js';

const APP_ID = '4711';
const REPOSITORY_INSTALLATION = 77;
/** A repository GitHub answers 502 for. */
const DOWN_REPOSITORY = 'octo/down';

interface Seen {
  method: string;
  path: string;
  authorization: string;
  body: Record<string, unknown>;
}

let environment: TestEnvironment;
let prisma: PrismaClient;
let github: Server;
let githubUrl: string;
const seen: Seen[] = [];
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials = { appId: APP_ID, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
const logger = createLogger({ service: 'github-checks-test', level: 'silent' });

const isJwt = (authorization: string) => /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(authorization);

function answer(request: Seen): { status: number; body: unknown } {
  const jwt = isJwt(request.authorization);
  const token = /^token ghs_installation_(\d+)$/.exec(request.authorization)?.[1];
  const tokenFor = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(request.path)?.[1];
  if (request.method === 'POST' && tokenFor) {
    return jwt
      ? {
          status: 201,
          body: {
            token: `ghs_installation_${tokenFor}`,
            expires_at: new Date(Date.now() + 3600_000).toISOString(),
            permissions: { checks: 'write' },
            repository_selection: 'all',
          },
        }
      : { status: 401, body: { message: 'JWT required' } };
  }
  if (request.method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/installation$/.test(request.path)) {
    return jwt ? { status: 200, body: { id: REPOSITORY_INSTALLATION } } : { status: 401, body: { message: 'JWT' } };
  }
  if (request.method === 'GET' && request.path === '/app') {
    return jwt ? { status: 200, body: { slug: 'hookfleet-test' } } : { status: 401, body: { message: 'JWT' } };
  }
  // Everything else only under an installation's token.
  if (!token) return { status: 401, body: { message: 'installation token required' } };
  if (request.path === '/rate_limit') {
    const core = { limit: 5000, remaining: 4999, reset: Math.ceil(Date.now() / 1000) + 3600 };
    return { status: 200, body: { resources: { core }, rate: core } };
  }
  if (request.path.startsWith(`/repos/${DOWN_REPOSITORY}/`)) return { status: 502, body: { message: 'Bad Gateway' } };
  if (request.method === 'POST' && request.path.endsWith('/check-runs')) {
    return { status: 201, body: { id: seen.length } };
  }
  if (request.method === 'PATCH' && /\/check-runs\/\d+$/.test(request.path)) return { status: 200, body: {} };
  return { status: 404, body: { message: 'Not Found' } };
}

beforeAll(async () => {
  environment = await testEnvironment();
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 2 });
  github = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const entry: Seen = {
      method: request.method ?? '',
      path: new URL(request.url ?? '/', 'http://github.test').pathname,
      authorization: request.headers.authorization ?? '',
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    seen.push(entry);
    const { status, body } = answer(entry);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  github.listen(0, '127.0.0.1');
  await once(github, 'listening');
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
});

afterAll(async () => {
  github?.closeAllConnections();
  await new Promise((resolve) => github?.close(resolve));
  await prisma?.$disconnect();
  await environment?.cleanup();
});

/** `failureThreshold`: consecutive GitHub failures that open the reporter's circuit. */
function reporterWith(database: PrismaClient, failureThreshold = 1000): GithubReporter {
  const metrics = createMetrics('github-checks-test');
  return createGithubReporter({
    credentials,
    baseUrl: githubUrl,
    timeoutMs: 2000,
    prisma: database,
    ledger: createSideEffectLedger({ prisma: database, metrics }),
    metrics,
    logger,
    downstreams: {
      circuitFor: (downstream, countsAsFailure) =>
        createDownstreamCircuit({
          downstream,
          failureThreshold,
          halfOpenAfterMs: 60_000,
          countsAsFailure,
          metrics,
          logger,
        }),
    },
  })!;
}

/** A pull_request.opened event of its own, as the worker reads it, and the plan it makes. */
function pullRequestEvent(repository: string, installation?: number) {
  const sha = randomUUID().replace(/-/g, '').padEnd(40, '0');
  const payload = {
    action: 'opened',
    number: 5,
    pull_request: { number: 5, title: 'A change', head: { ref: 'change', sha }, base: { ref: 'main' } },
    repository: { full_name: repository },
    ...(installation === undefined ? {} : { installation: { id: installation } }),
  };
  const event = {
    id: randomUUID(),
    provider: 'github',
    eventType: 'pull_request',
    action: 'opened',
    repository,
    payload,
    generation: 1,
  } as unknown as EventRecord;
  const plan = planEvent(
    { provider: 'github', eventType: 'pull_request', action: 'opened', payload },
    { botMention: '@hookfleet' },
  );
  return { event, plan, sha };
}

const requestsAbout = (sha: string) => seen.filter((request) => request.body.head_sha === sha);

describe('with GitHub App credentials', () => {
  it('checks the App itself in /health before any installation is known', async () => {
    const health = await reporterWith(prisma).health();
    expect(health).toMatchObject({ status: 'healthy', details: { auth: 'app', app: 'hookfleet-test' } });
  });

  it('reports as the event’s installation, with a token the App’s JWT bought once', async () => {
    const reporter = reporterWith(prisma);
    const { event, plan, sha } = pullRequestEvent('octo/app-repo', 55);
    const report = reporter.reportOn(event, plan, logger)!;
    const before = seen.length;
    await report.started();
    await report.ended({ ok: true });
    const calls = seen.slice(before);
    expect(calls.filter((call) => call.path === '/app/installations/55/access_tokens')).toHaveLength(1);
    const [created] = requestsAbout(sha);
    expect(created).toMatchObject({ method: 'POST', authorization: 'token ghs_installation_55' });
    expect(created!.body).toMatchObject({ name: 'Hookfleet', status: 'in_progress' });
    const completed = calls.find((call) => call.method === 'PATCH');
    expect(completed).toMatchObject({ authorization: 'token ghs_installation_55' });
    expect(completed!.body).toMatchObject({ status: 'completed', conclusion: 'success' });

    const health = await reporter.health();
    expect(health).toMatchObject({ status: 'healthy', details: { auth: 'app_installation', installation: 55 } });
  });

  it('finds the repository’s installation when the event names none, once per repository', async () => {
    const reporter = reporterWith(prisma);
    const first = pullRequestEvent('octo/other-repo');
    const second = pullRequestEvent('octo/other-repo');
    const before = seen.length;
    await reporter.reportOn(first.event, first.plan, logger)!.started();
    await reporter.reportOn(second.event, second.plan, logger)!.started();
    const lookups = seen.slice(before).filter((call) => call.path === '/repos/octo/other-repo/installation');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.authorization).toMatch(/^bearer /i);
    for (const { sha } of [first, second]) {
      expect(requestsAbout(sha)[0]?.authorization).toBe(`token ghs_installation_${REPOSITORY_INSTALLATION}`);
    }
  });
});

describe('while GitHub is failing', () => {
  it('opens the circuit after consecutive failures: later reports are skipped without calling GitHub', async () => {
    const reporter = reporterWith(prisma, 2);
    const callsToDown = () => seen.filter((request) => request.path.startsWith(`/repos/${DOWN_REPOSITORY}/`)).length;
    for (let i = 0; i < 2; i++) {
      const { event, plan } = pullRequestEvent(DOWN_REPOSITORY, 5);
      await reporter.reportOn(event, plan, logger)!.started();
    }
    const failedCalls = callsToDown();
    expect(failedCalls).toBeGreaterThanOrEqual(2);
    // Best effort all the same: the report resolves, and its ledger entry stays open for a later run.
    const { event, plan } = pullRequestEvent(DOWN_REPOSITORY, 5);
    await reporter.reportOn(event, plan, logger)!.started();
    expect(callsToDown()).toBe(failedCalls);
    const entry = await prisma.sideEffect.findFirst({ where: { eventId: event.id }, select: { status: true } });
    expect(entry?.status).toBe('failed');
  });
});

describe('a database outage', () => {
  it('propagates out of a report (the run waits it out) and nothing is sent to GitHub', async () => {
    // A closed port: the ledger cannot claim its key.
    const unreachable = createPrismaClient('postgresql://postgres@127.0.0.1:1/hookfleet', {
      poolMax: 1,
      connectTimeoutMs: 500,
    });
    try {
      const { event, plan, sha } = pullRequestEvent('octo/app-repo', 55);
      const failure = await reporterWith(unreachable)
        .reportOn(event, plan, logger)!
        .started()
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isDatabaseUnavailable(failure)).toBe(true);
      expect(requestsAbout(sha)).toHaveLength(0);
    } finally {
      await unreachable.$disconnect();
    }
  });
});
