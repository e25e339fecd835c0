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

export type GithubCredentials = { token: string } | { appId: string; privateKey: string };

/** How often a request that hit a rate limit is tried again (after waiting until the reset). */
const RATE_LIMIT_RETRIES = 2;

export function createGithubClient(options: {
  baseUrl: string;
  credentials: GithubCredentials;
  metrics: Metrics;
  logger: Logger;
  /** Names a request, from its path, in the metrics (bounded: the caller's own endpoint names, never a URL). */
  endpointOf?: (route: string) => string;
}): GithubClient {
  const { credentials, metrics, logger } = options;
  const endpoint = (url: string) => options.endpointOf?.(new URL(url).pathname) ?? 'other';
  // Every HTTP exchange, counted where it happens: below the plugins, so a rate-limited answer that the
  // throttling plugin waits out and repeats counts as the request it was.
  const tracedFetch = traceFetch('github');
  const countingFetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    try {
      const response = await tracedFetch(input, init);
      metrics.githubApiRequests.inc({ endpoint: endpoint(url), status: String(response.status) });
      const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? Number.NaN);
      if (Number.isFinite(remaining)) metrics.githubApiRateLimitRemaining.set(remaining);
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
      logger.warn(`GitHub ${limit} reached`, { route: `${request.method} ${request.url}`, retry_after_s: retryAfter });
      return retryCount < RATE_LIMIT_RETRIES;
    };
  const client = new GithubOctokit({
    request: { fetch: countingFetch },
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    userAgent: 'hookfleet',
    ...('token' in credentials
      ? { auth: credentials.token }
      : { authStrategy: createAppAuth, auth: { appId: credentials.appId, privateKey: credentials.privateKey } }),
    throttle: { onRateLimit: waitOut('rate limit'), onSecondaryRateLimit: waitOut('secondary rate limit') },
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
