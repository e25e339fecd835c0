// The `github_api` health component: whether GitHub's API answers these credentials, and how much of the
// rate limit is left. GET /rate_limit costs nothing against the limit; an App without an installation at
// hand proves its key with GET /app instead. GitHub's trouble degrades the component and never fails it:
// an app keeps working without GitHub (what it sends there is best effort), so /health stays 200.
import type { GithubClient } from './client.js';

/** Below this share of the window's requests left, the component is degraded. */
const LOW_RATE_LIMIT_SHARE = 0.1;

export interface GithubApiHealth {
  status: 'healthy' | 'degraded';
  details: Record<string, unknown>;
}

interface RateLimitAnswer {
  resources: { core: { limit: number; remaining: number; reset: number } };
}

/** Asks GitHub once, within `timeoutMs` and without retries; always resolves. */
export async function checkGithubApi(
  client: GithubClient,
  options: { timeoutMs: number; asApp?: boolean; details?: Record<string, unknown> },
): Promise<GithubApiHealth> {
  const base = { configured: true, ...options.details };
  const request = { signal: AbortSignal.timeout(options.timeoutMs), retries: 0 };
  try {
    if (options.asApp) {
      const { data } = await client.request('GET /app', { request });
      return { status: 'healthy', details: { ...base, app: (data as { slug?: string } | null)?.slug ?? null } };
    }
    const { data } = await client.request('GET /rate_limit', { request });
    const { limit, remaining, reset } = (data as RateLimitAnswer).resources.core;
    return {
      status: remaining < limit * LOW_RATE_LIMIT_SHARE ? 'degraded' : 'healthy',
      details: { ...base, rate_limit: { limit, remaining, resets_at: new Date(reset * 1000).toISOString() } },
    };
  } catch (error) {
    return { status: 'degraded', details: { ...base, error: describeGithubError(error, options.timeoutMs) } };
  }
}

/** "401: Bad credentials", "no answer in 1500 ms", or the network's own words (octokit reports them as 500). */
export function describeGithubError(error: unknown, timeoutMs?: number): string {
  const { status, response, cause } = error as { status?: number; response?: unknown; cause?: { name?: string } };
  const name = error instanceof Error ? error.name : '';
  if (timeoutMs !== undefined && [name, cause?.name].some((n) => n === 'TimeoutError' || n === 'AbortError')) {
    return `no answer in ${timeoutMs} ms`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return response !== undefined && status !== undefined ? `${status}: ${message}` : message;
}
