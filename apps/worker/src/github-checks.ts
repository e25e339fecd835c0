// The GitHub back-channel: a pull request's analysis shows on its head commit as a check run named
// "Hookfleet", in progress while its tasks run and completed when they end (success, or failure with the
// error). Where GitHub does not allow check runs (a personal access token; an installation without the checks
// permission) it is a commit status with the same name instead: pending, then success, failure (the
// downstream refused the task) or error (the task died after its attempts).
//
// Both reports go through the side-effect ledger, so a retried job or a re-run after a crash makes no second
// check run: the recorded id is updated, and a call whose earlier run left no answer first looks for the
// check run by its external_id. Best effort: GitHub's refusal, error or silence is logged and counted and
// never fails the task; only a database outage (the ledger's) propagates, as everywhere in a run.
import type { PrismaClient } from '@hookfleet/db';
import {
  checkGithubApi,
  createGithubClient,
  describeGithubError,
  type GithubApiHealth,
  type GithubClient,
  type GithubCredentials,
} from '@hookfleet/github';
import type { Logger, Metrics } from '@hookfleet/observability';
import { OWN_CHECK_RUN_ID_PREFIX, type EventPlan } from '@hookfleet/planning';
import { publicReason } from './errors.js';
import { TASK_TYPES, type TaskType } from '@hookfleet/queue';
import type { Downstreams } from './downstreams.js';
import type { EventRecord } from './run-context.js';
import type { SideEffectLedger } from './side-effects.js';

/** The check run's name and the commit status's context. */
export const GITHUB_CHECK_NAME = 'Hookfleet';

/** A rate limit that resets further away than this is not waited out: a report is not worth holding a task. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 10;
/** The health check's own deadline, inside the health route's (2 s). */
const HEALTH_TIMEOUT_MS = 1500;
/** How long a repository whose check runs GitHub refused gets commit statuses without asking again. */
const CHECKS_REFUSED_MEMORY_MS = 3600_000;
/** GitHub's limits: a status description, a check run's summary. */
const STATUS_DESCRIPTION_MAX = 140;
const CHECK_SUMMARY_MAX = 60_000;

/** The endpoint label of each request in github_api_requests_total (bounded). */
export function checksEndpointOf(path: string): string {
  if (/\/check-runs(\/\d+)?$/.test(path)) return 'check_runs';
  if (/\/statuses\/[^/]+$/.test(path)) return 'statuses';
  if (path === '/rate_limit') return 'rate_limit';
  if (/^\/app\/installations\/\d+\/access_tokens$/.test(path)) return 'installation_token';
  if (/\/installation$/.test(path)) return 'installation';
  if (path === '/app') return 'app';
  return 'other';
}

/** How a pull request's tasks ended. */
export type AnalysisOutcome =
  | { ok: true }
  | { ok: false; task: { taskType: string }; error: unknown; permanent: boolean; attempt: number; jobId: string };

/** One event's report on its pull request's head commit. */
export interface PullRequestReport {
  /** The analysis starts: the check run in progress (once per event and generation). */
  started(): Promise<void>;
  /** The tasks ended: the check run completed with their outcome. */
  ended(outcome: AnalysisOutcome): Promise<void>;
}

export interface GithubReporter {
  /** The report for an event that plans a pull request's analysis; null for any other event. */
  reportOn(event: EventRecord, plan: EventPlan, logger: Logger): PullRequestReport | null;
  health(): Promise<GithubApiHealth>;
}

/** What the started report recorded in the ledger: where the report lives on GitHub. */
type ReportTarget = { via: 'check_run'; id: number } | { via: 'commit_status' };

interface Commit {
  owner: string;
  repo: string;
  sha: string;
  externalId: string;
}

/** A check run GitHub would not create or update here (no checks permission, or not an App): use a status. */
class ChecksRefusedError extends Error {}

/** GitHub's failure, kept apart from the ledger's own (a database outage must propagate, this must not). */
class GithubReportError extends Error {}

function isChecksRefusal(error: unknown): boolean {
  const { status, message, response } = error as {
    status?: number;
    message?: string;
    response?: { headers?: Record<string, string | undefined> };
  };
  if (status !== 403) return false;
  // A rate limit's 403 (the throttling plugin gave up waiting) is not a missing permission.
  return response?.headers?.['x-ratelimit-remaining'] !== '0' && !/rate limit/i.test(message ?? '');
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function createGithubReporter(deps: {
  credentials: GithubCredentials | null;
  baseUrl: string;
  timeoutMs: number;
  prisma: PrismaClient;
  ledger: SideEffectLedger;
  metrics: Metrics;
  logger: Logger;
  downstreams: Pick<Downstreams, 'circuitFor'>;
}): GithubReporter | null {
  const { prisma, ledger, metrics } = deps;
  if (!deps.credentials) return null;
  // While GitHub is down or silent, reports are skipped at once (logged, counted, retried by the next run)
  // instead of holding each pull request's job for the client's deadline and retry. Only an outage counts:
  // no answer, or a 5xx; a refusal (4xx) is about the request.
  const circuit = deps.downstreams.circuitFor('github', (error) => {
    const status = (error as { status?: unknown }).status;
    return typeof status !== 'number' || status >= 500;
  });
  const credentials: GithubCredentials = deps.credentials;

  const client = (extra: { installationId?: number }, throttleId: string) =>
    createGithubClient({
      baseUrl: deps.baseUrl,
      credentials: 'token' in credentials ? credentials : { ...credentials, ...extra },
      metrics,
      logger: deps.logger,
      endpointOf: checksEndpointOf,
      timeoutMs: deps.timeoutMs,
      retries: 1,
      maxRateLimitWaitSeconds: MAX_RATE_LIMIT_WAIT_SECONDS,
      throttleId,
    });
  // A token is one client; an App is itself (JWT: finding installations, health) and one client per
  // installation, whose token auth-app renews before it expires.
  const ownClient = client({}, 'token' in credentials ? 'token' : 'app');
  const installationClients = new Map<number, GithubClient>();
  /** Repository -> its installation, for events that name none (a repository's own webhook). */
  const repositoryInstallations = new Map<string, number>();
  let lastInstallation: number | undefined;
  const refusedChecks = new Map<string, number>();

  async function clientFor(event: EventRecord, commit: Commit): Promise<GithubClient> {
    if ('token' in credentials) return ownClient;
    const named = (event.payload as { installation?: { id?: unknown } } | null)?.installation?.id;
    const repository = `${commit.owner}/${commit.repo}`;
    let id = typeof named === 'number' ? named : repositoryInstallations.get(repository);
    if (id === undefined) {
      const { data } = await ownClient.request('GET /repos/{owner}/{repo}/installation', {
        owner: commit.owner,
        repo: commit.repo,
      });
      id = (data as { id: number }).id;
      repositoryInstallations.set(repository, id);
    }
    lastInstallation = id;
    let installationClient = installationClients.get(id);
    if (!installationClient)
      installationClients.set(id, (installationClient = client({ installationId: id }, `installation-${id}`)));
    return installationClient;
  }

  const checksAllowed = (repository: string) => (refusedChecks.get(repository) ?? 0) < Date.now();

  /** The check run this event made earlier, if GitHub has it (found by its external_id). */
  async function findCheckRun(github: GithubClient, commit: Commit): Promise<number | null> {
    const { data } = await github.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      owner: commit.owner,
      repo: commit.repo,
      ref: commit.sha,
      check_name: GITHUB_CHECK_NAME,
      filter: 'all',
      per_page: 100,
    });
    const runs = (data as { check_runs: Array<{ id: number; external_id: string | null }> }).check_runs;
    return runs.find((run) => run.external_id === commit.externalId)?.id ?? null;
  }

  /** Creates or updates the event's check run; a refusal becomes ChecksRefusedError. */
  async function writeCheckRun(
    github: GithubClient,
    commit: Commit,
    body: Record<string, unknown>,
    known: { id: number | null; lookFirst: boolean },
  ): Promise<number> {
    try {
      const id = known.id ?? (known.lookFirst ? await findCheckRun(github, commit) : null);
      const route = { owner: commit.owner, repo: commit.repo };
      if (id !== null) {
        await github.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
          ...route,
          check_run_id: id,
          ...body,
        });
        return id;
      }
      const { data } = await github.request('POST /repos/{owner}/{repo}/check-runs', {
        ...route,
        name: GITHUB_CHECK_NAME,
        head_sha: commit.sha,
        external_id: commit.externalId,
        ...body,
        // Not repeated by the client: an answer lost after GitHub made the run would make a second one.
        request: { retries: 0 },
      });
      return (data as { id: number }).id;
    } catch (error) {
      if (isChecksRefusal(error)) throw new ChecksRefusedError(describeGithubError(error));
      throw error;
    }
  }

  async function writeStatus(
    github: GithubClient,
    commit: Commit,
    state: 'pending' | 'success' | 'failure' | 'error',
    description: string,
  ) {
    await github.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
      owner: commit.owner,
      repo: commit.repo,
      sha: commit.sha,
      state,
      context: GITHUB_CHECK_NAME,
      description: truncate(description, STATUS_DESCRIPTION_MAX),
    });
  }

  /** A check run where allowed, else (and from then on, for a while, in this repository) a commit status. */
  async function report(
    github: GithubClient,
    commit: Commit,
    checkRun: () => Promise<number>,
    status: () => Promise<void>,
    logger: Logger,
  ): Promise<ReportTarget> {
    const repository = `${commit.owner}/${commit.repo}`;
    if (checksAllowed(repository)) {
      try {
        return { via: 'check_run', id: await checkRun() };
      } catch (error) {
        if (!(error instanceof ChecksRefusedError)) throw error;
        refusedChecks.set(repository, Date.now() + CHECKS_REFUSED_MEMORY_MS);
        logger.info('GitHub refused check runs here; reporting commit statuses instead', {
          repository,
          reason: error.message,
        });
      }
    }
    await status();
    return { via: 'commit_status' };
  }

  /** Runs one report through the ledger; GitHub's failure is logged and counted, the ledger's propagates. */
  async function bestEffort(
    phase: 'started' | 'ended',
    logger: Logger,
    send: () => Promise<{ performed: boolean; result: unknown }>,
  ): Promise<void> {
    try {
      const outcome = await send();
      if (outcome.performed) {
        const via = (outcome.result as ReportTarget | null)?.via ?? 'check_run';
        metrics.githubReports.inc({ phase, via, outcome: 'sent' });
      }
    } catch (error) {
      if (!(error instanceof GithubReportError)) throw error;
      metrics.githubReports.inc({ phase, via: 'none', outcome: 'failed' });
      logger.warn('GitHub report failed; the task goes on without it', { phase, error: error.message });
    }
  }

  /** GitHub's errors inside a ledger call, marked as GitHub's. */
  const asGithubFailure = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await circuit.run(call);
    } catch (error) {
      throw new GithubReportError(describeGithubError(error, deps.timeoutMs));
    }
  };

  return {
    reportOn(event, plan, logger) {
      const analysis = plan.tasks.find((task) => task.type === 'pull_request_analysis');
      const [owner, repo] = (event.repository ?? '').split('/');
      if (event.provider !== 'github' || !analysis?.commitSha || !owner || !repo) return null;
      const generationKey = `github:report:${event.id}:g${event.generation}`;
      const startedKey = `${generationKey}:started`;
      const commit: Commit = {
        owner,
        repo,
        sha: analysis.commitSha,
        externalId: `${OWN_CHECK_RUN_ID_PREFIX}${event.id}:g${event.generation}`,
      };
      const taskList = plan.tasks.map((task) => `\`${task.type}\``).join(', ');
      const reportLogger = logger.child({ repository: event.repository, head_sha: commit.sha });

      return {
        started: () =>
          bestEffort('started', reportLogger, () =>
            ledger.once(
              { key: startedKey, kind: 'github.report', eventId: event.id, downstreamDedupes: true },
              (call) =>
                asGithubFailure(async () => {
                  const github = await clientFor(event, commit);
                  return report(
                    github,
                    commit,
                    () =>
                      writeCheckRun(
                        github,
                        commit,
                        {
                          status: 'in_progress',
                          started_at: new Date().toISOString(),
                          output: { title: 'Analysing the pull request', summary: `Running ${taskList}.` },
                        },
                        { id: null, lookFirst: call.repeated },
                      ),
                    () => writeStatus(github, commit, 'pending', 'Analysing the pull request'),
                    reportLogger,
                  );
                }),
            ),
          ),

        ended: (outcome) =>
          bestEffort('ended', reportLogger, () =>
            ledger.once(
              {
                // One success per generation; one failure per job (an operator's retry may end it again).
                key: `${generationKey}:ended:${outcome.ok ? 'success' : `failure:${outcome.jobId}`}`,
                kind: 'github.report',
                eventId: event.id,
                downstreamDedupes: true,
              },
              async () => {
                const started = await prisma.sideEffect.findUnique({
                  where: { key: startedKey },
                  select: { status: true, result: true },
                });
                const target = started?.status === 'succeeded' ? (started.result as ReportTarget | null) : null;
                return asGithubFailure(async () => {
                  const conclusion = outcome.ok ? 'success' : 'failure';
                  // Shown on the pull request, to anyone who can read the repository.
                  const reason = outcome.ok
                    ? ''
                    : publicReason(
                        outcome.error,
                        TASK_TYPES[outcome.task.taskType as TaskType]?.downstream ?? 'the agent',
                      );
                  const title = outcome.ok
                    ? 'Analysis done'
                    : outcome.permanent
                      ? `${outcome.task.taskType} failed`
                      : `${outcome.task.taskType} is dead after ${outcome.attempt} attempts`;
                  const summary = outcome.ok
                    ? `${taskList}: done (a review is posted when it is ready).`
                    : `${outcome.task.taskType} ended with: ${reason}`;
                  const github = await clientFor(event, commit);
                  const status = () =>
                    writeStatus(
                      github,
                      commit,
                      outcome.ok ? 'success' : outcome.permanent ? 'failure' : 'error',
                      `${title}${outcome.ok ? '' : `: ${reason}`}`,
                    );
                  if (target?.via === 'commit_status') {
                    await status();
                    return target;
                  }
                  return report(
                    github,
                    commit,
                    () =>
                      writeCheckRun(
                        github,
                        commit,
                        {
                          status: 'completed',
                          conclusion,
                          completed_at: new Date().toISOString(),
                          output: { title, summary: truncate(summary, CHECK_SUMMARY_MAX) },
                        },
                        // Without a recorded id the run may exist all the same (its creation's answer was lost).
                        { id: target?.via === 'check_run' ? target.id : null, lookFirst: true },
                      ),
                    status,
                    reportLogger,
                  );
                });
              },
            ),
          ),
      };
    },

    health: () =>
      lastInstallation !== undefined
        ? checkGithubApi(installationClients.get(lastInstallation)!, {
            timeoutMs: HEALTH_TIMEOUT_MS,
            details: { auth: 'app_installation', installation: lastInstallation },
          })
        : checkGithubApi(ownClient, {
            timeoutMs: HEALTH_TIMEOUT_MS,
            asApp: !('token' in credentials),
            details: { auth: 'token' in credentials ? 'token' : 'app' },
          }),
  };
}

/** The worker's `github_api` health component: GitHub's answer, or that no credentials are configured. */
export function githubApiReport(reporter: GithubReporter | null): () => Promise<GithubApiHealth> {
  return reporter ? () => reporter.health() : async () => ({ status: 'healthy', details: { configured: false } });
}
