// One GitHub REST client for everything Hookfleet asks of GitHub's API, authenticated with a token or as a
// GitHub App. Octokit's throttling plugin waits out primary and secondary rate limits (403/429 with
// x-ratelimit-reset or retry-after) and its retry plugin retries server errors; every request is counted,
// and the remaining rate limit is kept as a gauge.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { traceFetch, type Logger, type Metrics } from '@hookfleet/observability';

const GithubOctokit = Octokit.plugin(throttling, retry, paginateRest);
export type GithubClient = InstanceType<typeof GithubOctokit>;

/** A token, or a GitHub App: as the App itself (JWT), or as one of its installations when installationId is given. */
export type GithubCredentials = { token: string } | { appId: string; privateKey: string; installationId?: number };

/** How often a request that hit a rate limit is tried again (after waiting until the reset). */
const RATE_LIMIT_RETRIES = 2;

export function createGithubClient(options: {
  baseUrl: string;
  credentials: GithubCredentials;
  metrics: Metrics;
  logger: Logger;
  /** Names a request, from its path, in the metrics (bounded: the caller's own endpoint names, never a URL). */
  endpointOf?: (route: string) => string;
  /** Each HTTP exchange is abandoned after this long (unset: no deadline of ours). */
  timeoutMs?: number;
  /** Retries of a server error or a dropped connection (octokit's default: 3, after 1, 4 and 9 s). */
  retries?: number;
  /** A rate limit that resets further away than this is not waited out: the request fails (unset: any wait). */
  maxRateLimitWaitSeconds?: number;
  /**
   * Which credential's write limiter a request waits in: octokit spaces writes a second apart per id (GitHub
   * asks for that per user or installation), and clients with the same id share one limiter in the process.
   */
  throttleId?: string;
}): GithubClient {
  const { credentials, metrics, logger } = options;
  const endpoint = (url: string) => options.endpointOf?.(new URL(url).pathname) ?? 'other';
  // Every HTTP exchange, counted where it happens: below the plugins, so a rate-limited answer that the
  // throttling plugin waits out and repeats counts as the request it was.
  const tracedFetch = traceFetch('github');
  const countingFetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const deadline = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    const signal = deadline && init?.signal ? AbortSignal.any([init.signal, deadline]) : (deadline ?? init?.signal);
    try {
      const response = await tracedFetch(input, { ...init, ...(signal ? { signal } : {}) });
      metrics.githubApiRequests.inc({ endpoint: endpoint(url), status: String(response.status) });
      const header = (name: string) => Number(response.headers.get(name) ?? Number.NaN);
      const remaining = header('x-ratelimit-remaining');
      if (Number.isFinite(remaining)) metrics.githubApiRateLimitRemaining.set(remaining);
      const limit = header('x-ratelimit-limit');
      if (Number.isFinite(limit)) metrics.githubApiRateLimitLimit.set(limit);
      const reset = header('x-ratelimit-reset');
      if (Number.isFinite(reset)) metrics.githubApiRateLimitReset.set(reset);
      return response;
    } catch (error) {
      metrics.githubApiRequests.inc({ endpoint: endpoint(url), status: '0' });
      throw error;
    }
  };
  /** Logs the limit and has the plugin wait `retryAfter` seconds and try again, up to RATE_LIMIT_RETRIES times. */
  const waitOut =
    (limit: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const wait = retryAfter <= (options.maxRateLimitWaitSeconds ?? Number.POSITIVE_INFINITY);
      logger.warn(`GitHub ${limit} reached`, {
        route: `${request.method} ${request.url}`,
        retry_after_s: retryAfter,
        waiting: wait && retryCount < RATE_LIMIT_RETRIES,
      });
      return wait && retryCount < RATE_LIMIT_RETRIES;
    };
  const client = new GithubOctokit({
    request: { fetch: countingFetch },
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    userAgent: 'hookfleet',
    ...('token' in credentials
      ? { auth: credentials.token }
      : { authStrategy: createAppAuth, auth: { ...credentials } }),
    throttle: {
      onRateLimit: waitOut('rate limit'),
      onSecondaryRateLimit: waitOut('secondary rate limit'),
      ...(options.throttleId ? { id: options.throttleId } : {}),
    },
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    // The client logs through ours, at warn and above only.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  });
  return client;
}
