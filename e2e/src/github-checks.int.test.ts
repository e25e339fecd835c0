// The GitHub back-channel through the running stack, as GitHub's API saw it: a local HTTP server plays the
// check-runs, statuses and rate_limit endpoints and keeps what it was sent; AgentAPI is another. Each test
// delivers a pull request of its own (its own head commit) and reads what the fake GitHub holds for it.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@hookfleet/config';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { startWorker, workerConfigSchema } from '@hookfleet/worker';
import { githubExample } from './fixtures.js';
import {
  FakeAgentApi,
  FakeDownstream,
  deliver,
  startStack,
  waitFor,
  type RecordedRequest,
  type Stack,
} from './harness.js';

const GITHUB_TOKEN = 'ghp_e2e_back_channel';
/** The worker's DOWNSTREAM_TIMEOUT_MS here: how long it waits for each of GitHub's answers. */
const GITHUB_DEADLINE_MS = 1000;
const REPOSITORY = 'octo/checks';
/** Check runs answer 403 here, as for a token without the checks permission. */
const NO_CHECKS = 'octo/no-checks';
/** Every request about this repository answers 502. */
const DOWN = 'octo/down';
/** Requests about this repository get no answer within the worker's deadline. */
const SILENT = 'octo/silent';
/** GitHub makes the check run and then answers 502: the worker never learns its id. */
const LOST_ANSWER = 'octo/lost-answer';

interface CheckRun {
  id: number;
  repository: string;
  head_sha: string;
  name: string;
  external_id: string | null;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string } | null;
  /** Each status the run was given, in order (the creation's first). */
  statuses: string[];
}

const checkRuns: CheckRun[] = [];
const commitStatuses: Array<{ repository: string; sha: string; state: string; context: string; description: string }> =
  [];
/** Both fakes' requests in the order they came: "github <method> <path>" and "agentapi <pr number>". */
const timeline: string[] = [];
const rateLimit = { limit: 5000, remaining: 4321, hang: false };

const environment = useTestEnvironment();
let github: FakeDownstream;
let agentApi: FakeAgentApi;
let stack: Stack;
/** AgentAPI's status per pull request number and attempt (1-based); 201 when unset. */
const agentAnswers = new Map<number, (attempt: number) => number>();

const rateHeaders = () => ({
  'x-ratelimit-limit': String(rateLimit.limit),
  'x-ratelimit-remaining': String(rateLimit.remaining),
  'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
});

async function playGithub(request: RecordedRequest) {
  const { pathname } = new URL(request.url, 'http://github.test');
  timeline.push(`github ${request.method} ${pathname}`);
  if (request.headers.authorization !== `token ${GITHUB_TOKEN}`)
    return { status: 401, body: { message: 'Bad credentials' } };
  if (pathname === '/rate_limit') {
    if (rateLimit.hang) await new Promise((resolve) => setTimeout(resolve, 5000));
    const { limit, remaining } = rateLimit;
    const core = { limit, remaining, used: limit - remaining, reset: Math.ceil(Date.now() / 1000) + 3600 };
    return { status: 200, body: { resources: { core }, rate: core }, headers: rateHeaders() };
  }
  const match = /^\/repos\/([^/]+\/[^/]+)\/(.+)$/.exec(pathname);
  if (!match) return { status: 404, body: { message: 'Not Found' } };
  const [, repository, rest] = match as unknown as [string, string, string];
  if (repository === DOWN) return { status: 502, body: { message: 'Server Error' } };
  if (repository === SILENT) {
    await new Promise((resolve) => setTimeout(resolve, 4 * GITHUB_DEADLINE_MS));
    return { status: 504, body: { message: 'too late' } };
  }
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (request.method === 'POST' && rest === 'check-runs') {
    if (repository === NO_CHECKS) return { status: 403, body: { message: 'Resource not accessible by integration' } };
    const run: CheckRun = {
      id: 9000 + checkRuns.length,
      repository,
      head_sha: String(body.head_sha),
      name: String(body.name),
      external_id: (body.external_id as string | undefined) ?? null,
      status: String(body.status ?? 'queued'),
      conclusion: (body.conclusion as string | undefined) ?? null,
      output: (body.output as CheckRun['output']) ?? null,
      statuses: [String(body.status ?? 'queued')],
    };
    checkRuns.push(run);
    if (repository === LOST_ANSWER) return { status: 502, body: { message: 'Server Error' } };
    return { status: 201, body: run, headers: rateHeaders() };
  }
  const patch = /^check-runs\/(\d+)$/.exec(rest);
  if (request.method === 'PATCH' && patch) {
    const run = checkRuns.find((candidate) => candidate.id === Number(patch[1]) && candidate.repository === repository);
    if (!run) return { status: 404, body: { message: 'Not Found' } };
    Object.assign(run, {
      status: body.status ?? run.status,
      conclusion: body.conclusion ?? run.conclusion,
      output: body.output ?? run.output,
    });
    run.statuses.push(run.status);
    return { status: 200, body: run, headers: rateHeaders() };
  }
  const list = /^commits\/([^/]+)\/check-runs$/.exec(rest);
  if (request.method === 'GET' && list) {
    const name = new URL(request.url, 'http://github.test').searchParams.get('check_name');
    const runs = checkRuns.filter(
      (run) => run.repository === repository && run.head_sha === list[1] && (!name || run.name === name),
    );
    return { status: 200, body: { total_count: runs.length, check_runs: runs }, headers: rateHeaders() };
  }
  const status = /^statuses\/([^/]+)$/.exec(rest);
  if (request.method === 'POST' && status) {
    commitStatuses.push({
      repository,
      sha: status[1]!,
      state: String(body.state),
      context: String(body.context),
      description: String(body.description ?? ''),
    });
    return { status: 201, body: { id: commitStatuses.length }, headers: rateHeaders() };
  }
  return { status: 404, body: { message: 'Not Found' } };
}

beforeAll(async () => {
  github = environment.stopAtEnd(await new FakeDownstream(playGithub).start());
  agentApi = environment.stopAtEnd(await new FakeAgentApi().start());
  agentApi.respond = (request) => {
    const pr = (request.body as { pr_number: number | null }).pr_number ?? 0;
    timeline.push(`agentapi ${pr}`);
    const attempt = agentApi.requests.filter((seen) => (seen.body as { pr_number: number }).pr_number === pr).length;
    const status = agentAnswers.get(pr)?.(attempt) ?? 201;
    return {
      status,
      body: status < 300 ? { id: `agent-${pr}-${attempt}` } : { error: `agentapi refused pull request ${pr}` },
    };
  };
  stack = environment.stopAtEnd(
    await startStack(
      { ...environment.env, JOB_MAX_RETRIES: '2', JOB_BACKOFF_DELAY_MS: '50' },
      {
        agentApiUrl: agentApi.url,
        worker: {
          GITHUB_TOKEN,
          GITHUB_API_URL: github.url,
          DOWNSTREAM_TIMEOUT_MS: String(GITHUB_DEADLINE_MS),
          CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1000',
        },
      },
    ),
  );
});

/** A pull_request.opened delivery for its own pull request and head commit. */
function pullRequest(repository: string, number: number) {
  const payload = githubExample('pull_request', 'opened');
  const pr = payload.pull_request as Record<string, unknown>;
  const sha = createHash('sha1').update(`${repository}#${number}`).digest('hex');
  const [owner, name] = repository.split('/');
  const repo = payload.repository as Record<string, unknown>;
  return {
    sha,
    payload: {
      ...payload,
      number,
      pull_request: { ...pr, number, head: { ...(pr.head as object), sha } },
      repository: { ...repo, full_name: repository, name, owner: { ...(repo.owner as object), login: owner } },
    },
  };
}

async function deliverAndSettle(
  repository: string,
  number: number,
  status: 'processed' | 'dead' = 'processed',
  timeoutMs = 15_000,
) {
  const { sha, payload } = pullRequest(repository, number);
  const delivery = await deliver(stack.ingress.url, { event: 'pull_request', payload });
  expect(delivery.status).toBe(202);
  const eventId = delivery.body.eventId as string;
  const event = await waitFor(
    async () => {
      const row = await stack.prisma.webhookEvent.findUnique({ where: { id: eventId } });
      return row?.status === status ? row : undefined;
    },
    `the event of ${repository}#${number} to be ${status}`,
    timeoutMs,
  );
  return { sha, event, delivery, payload };
}

const runsOn = (sha: string) => checkRuns.filter((run) => run.head_sha === sha);
const statusesOn = (sha: string) => commitStatuses.filter((entry) => entry.sha === sha);
const githubCalls = (pattern: RegExp) => timeline.filter((entry) => entry.startsWith('github') && pattern.test(entry));

async function health() {
  const response = await fetch(`${stack.worker.healthUrl}/health`);
  const body = (await response.json()) as {
    components: Record<string, { status: string; details?: Record<string, unknown> }>;
  };
  return { status: response.status, githubApi: body.components.github_api! };
}

describe('check runs on a pull request’s head commit', () => {
  it('is created in progress when the analysis starts and completed success when the tasks succeed', async () => {
    const { sha, event } = await deliverAndSettle(REPOSITORY, 11);
    const runs = runsOn(sha);
    expect(runs).toHaveLength(1);
    const [run] = runs as [CheckRun];
    expect(run).toMatchObject({
      repository: REPOSITORY,
      name: 'Hookfleet',
      status: 'completed',
      conclusion: 'success',
    });
    expect(run.statuses).toEqual(['in_progress', 'completed']);
    expect(run.external_id).toBe(`hookfleet:${event.id}:g${event.generation}`);
    // Created before AgentAPI was asked for the analysis, completed after.
    const created = timeline.indexOf(`github POST /repos/${REPOSITORY}/check-runs`);
    const analysed = timeline.indexOf('agentapi 11');
    const completed = timeline.indexOf(`github PATCH /repos/${REPOSITORY}/check-runs/${run.id}`);
    expect(created).toBeGreaterThanOrEqual(0);
    expect(analysed).toBeGreaterThan(created);
    expect(completed).toBeGreaterThan(analysed);
  });

  it('is completed failure with the error when AgentAPI refuses the task for good (dead)', async () => {
    agentAnswers.set(12, () => 422);
    const { sha, event } = await deliverAndSettle(REPOSITORY, 12, 'dead');
    const [run, ...others] = runsOn(sha);
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run!.output?.title).toContain('pull_request_analysis');
    // The error as the pull request's readers may see it: the service and its answer, not the address called.
    expect(event.lastError).toBe('/api/v1/tasks answered 422');
    expect(run!.output?.summary).toBe('pull_request_analysis ended with: agentapi answered 422');
    expect(JSON.stringify(run)).not.toContain('/api/v1/tasks');
  });

  it('is completed failure, named dead, when the task fails on every attempt', async () => {
    agentAnswers.set(15, () => 500);
    const { sha, event } = await deliverAndSettle(REPOSITORY, 15, 'dead');
    const attempts = agentApi.requests.filter((request) => (request.body as { pr_number: number }).pr_number === 15);
    const [run, ...others] = runsOn(sha);
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run!.statuses).toEqual(['in_progress', 'completed']);
    expect(run!.output?.title).toContain(`dead after ${attempts.length} attempts`);
    expect(event.lastError).toContain('answered 500');
    expect(run!.output?.summary).toBe('pull_request_analysis ended with: agentapi answered 500');
  });

  it('makes no second check run when the job is retried or the delivery comes again', async () => {
    agentAnswers.set(13, (attempt) => (attempt === 1 ? 500 : 201));
    const { sha, payload, delivery } = await deliverAndSettle(REPOSITORY, 13);
    expect(
      agentApi.requests.filter((request) => (request.body as { pr_number: number }).pr_number === 13),
    ).toHaveLength(2);
    const again = await deliver(stack.ingress.url, { event: 'pull_request', payload, deliveryId: delivery.deliveryId });
    expect(again.body.eventId).toBe(delivery.body.eventId);
    const runs = runsOn(sha);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('finds the check run GitHub made when its answer was lost, instead of making another', async () => {
    const { sha } = await deliverAndSettle(LOST_ANSWER, 14);
    const runs = runsOn(sha);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(githubCalls(new RegExp(`GET /repos/${LOST_ANSWER}/commits/${sha}/check-runs`))).not.toHaveLength(0);
  });
});

describe('where check runs are not allowed', () => {
  it('reports a commit status instead: pending, then success; and asks for check runs there no more', async () => {
    const first = await deliverAndSettle(NO_CHECKS, 21);
    expect(runsOn(first.sha)).toHaveLength(0);
    expect(statusesOn(first.sha).map((entry) => [entry.state, entry.context])).toEqual([
      ['pending', 'Hookfleet'],
      ['success', 'Hookfleet'],
    ]);
    const refusals = githubCalls(new RegExp(`POST /repos/${NO_CHECKS}/check-runs`)).length;
    expect(refusals).toBeGreaterThan(0);

    const second = await deliverAndSettle(NO_CHECKS, 22);
    expect(statusesOn(second.sha).map((entry) => entry.state)).toEqual(['pending', 'success']);
    expect(githubCalls(new RegExp(`POST /repos/${NO_CHECKS}/check-runs`))).toHaveLength(refusals);
  });

  it('reports a dead task as a failed commit status with its error', async () => {
    agentAnswers.set(23, () => 422);
    const { sha, event } = await deliverAndSettle(NO_CHECKS, 23, 'dead');
    const states = statusesOn(sha);
    expect(states.map((entry) => entry.state)).toEqual(['pending', 'failure']);
    expect(event.lastError).toContain('answered 422');
    expect(states[1]!.description).toContain('agentapi answered 422');
    expect(states[1]!.description).not.toContain(agentApi.url);
  });
});

describe('when GitHub fails', () => {
  it('the task succeeds all the same; the failure is counted', async () => {
    const { sha } = await deliverAndSettle(DOWN, 31);
    const tasks = await stack.prisma.workflowTask.findMany({
      where: { commitSha: sha },
      select: { status: true },
    });
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((task) => task.status === 'completed')).toBe(true);
    expect(githubCalls(new RegExp(`/repos/${DOWN}/`)).length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${stack.worker.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/github_reports_total\{[^}]*outcome="failed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/github_api_requests_total\{[^}]*endpoint="check_runs"[^}]*status="502"[^}]*\} [1-9]/);
  });
});

describe('when GitHub does not answer', () => {
  it('the task succeeds all the same: each request is abandoned at the deadline and counted as unanswered', async () => {
    // Each of its GitHub calls waits out the deadline (one retried after a second): give it longer.
    const { sha } = await deliverAndSettle(SILENT, 32, 'processed', 40_000);
    const tasks = await stack.prisma.workflowTask.findMany({ where: { commitSha: sha }, select: { status: true } });
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((task) => task.status === 'completed')).toBe(true);
    const metrics = await (await fetch(`${stack.worker.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/github_api_requests_total\{[^}]*endpoint="check_runs"[^}]*status="0"[^}]*\} [1-9]/);
  });
});

describe('github_api in the worker’s /health', () => {
  it('shows the rate limit GitHub reports, degraded when little is left, degraded and quick when GitHub hangs', async () => {
    const healthy = await health();
    expect(healthy.status).toBe(200);
    expect(healthy.githubApi.status).toBe('healthy');
    expect(healthy.githubApi.details?.rate_limit).toMatchObject({
      limit: rateLimit.limit,
      remaining: rateLimit.remaining,
    });

    rateLimit.remaining = Math.floor(rateLimit.limit / 20);
    const low = await health();
    expect(low.status).toBe(200);
    expect(low.githubApi.status).toBe('degraded');

    rateLimit.hang = true;
    try {
      const silent = await health();
      expect(silent.status).toBe(200);
      expect(silent.githubApi.status).toBe('degraded');
      expect(String(silent.githubApi.details?.error)).toMatch(/no answer/);
    } finally {
      rateLimit.hang = false;
      rateLimit.remaining = 4321;
    }
    const metrics = await (await fetch(`${stack.worker.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/github_api_requests_total\{[^}]*endpoint="rate_limit"/);
    expect(metrics).toMatch(/github_api_rate_limit_limit\{[^}]*\} 5000/);
    expect(metrics).toMatch(/github_api_rate_limit_reset_timestamp_seconds\{[^}]*\} \d+/);
  });
});

describe('without GitHub credentials', () => {
  it('sends nothing to GitHub and says so in /health', async () => {
    await stack.worker.stop();
    stack.worker = await startWorker(
      parseConfig(workerConfigSchema, {
        ...environment.env,
        JOB_MAX_RETRIES: '2',
        JOB_BACKOFF_DELAY_MS: '50',
        WORKER_HEALTH_PORT: '0',
        AGENTAPI_BASE_URL: agentApi.url,
        AGENTAPI_API_KEY: 'e2e-agentapi-key',
        GITHUB_API_URL: github.url,
      }),
    );
    const before = githubCalls(/./).length;
    await deliverAndSettle(REPOSITORY, 41);
    expect(timeline).toContain('agentapi 41');
    expect(githubCalls(/./)).toHaveLength(before);
    const { githubApi } = await health();
    expect(githubApi).toMatchObject({ status: 'healthy', details: { configured: false } });
    expect(githubCalls(/./)).toHaveLength(before);
  });
});
