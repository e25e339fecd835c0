// GitHub's webhook source ranges (the `hooks` list of GET {GITHUB_API_URL}/meta), kept in memory for
// sources that accept GitHub's addresses only. Never fetched on the request path: a background refresh
// replaces the list when GitHub answers with a valid one, and a last-good copy in Redis covers restarts
// while GitHub is unreachable. With no list at all, nothing is allowed (fail closed).
import { BlockList } from 'node:net';
import axios from 'axios';
import type { Redis } from 'ioredis';
import type { Logger } from '@hookfleet/observability';
import { cidrSchema, isAllowed, toBlockList } from '@hookfleet/sources';

export type HookRangesSource = 'github' | 'stored' | 'none';

export interface GithubHookRanges {
  /** Loads the stored copy, fetches once, then refreshes every interval. Never rejects. */
  start(): Promise<void>;
  stop(): void;
  allows(ip: string): boolean;
  snapshot(): { ranges: string[]; fetchedAt: Date | null; source: HookRangesSource };
}

export interface GithubHookRangesOptions {
  /** https://api.github.com, or a GitHub Enterprise Server's /api/v3. */
  apiBaseUrl: string;
  redis: Redis;
  /** Where the last-good copy lives: JSON {ranges, fetchedAt}. */
  redisKey: string;
  refreshIntervalMs: number;
  timeoutMs?: number;
  logger: Logger;
  now?: () => Date;
}

type Checked = { ok: true; ranges: string[] } | { ok: false; reason: string };

/** A list is usable only whole: non-empty, and every entry an IP address or CIDR range. */
function checkRanges(list: unknown): Checked {
  if (!Array.isArray(list)) return { ok: false, reason: 'hooks is missing or not an array' };
  if (list.length === 0) return { ok: false, reason: 'hooks is empty' };
  const invalid = list.find((entry) => !cidrSchema.safeParse(entry).success);
  if (invalid !== undefined) return { ok: false, reason: `hooks has an invalid range: ${JSON.stringify(invalid)}` };
  return { ok: true, ranges: list as string[] };
}

/** Why a fetch failed, without the URL (it may carry credentials) or the answer's body. */
function reasonOf(error: unknown): string {
  if (axios.isAxiosError(error)) {
    if (error.response) return `GitHub answered ${error.response.status}`;
    return [error.code, error.message].filter(Boolean).join(': ');
  }
  return error instanceof Error ? error.message : String(error);
}

export function createGithubHookRanges(options: GithubHookRangesOptions): GithubHookRanges {
  const now = options.now ?? (() => new Date());
  const metaUrl = `${options.apiBaseUrl.replace(/\/+$/, '')}/meta`;
  let ranges: string[] = [];
  let blockList = new BlockList();
  let fetchedAt: Date | null = null;
  let source: HookRangesSource = 'none';
  let timer: NodeJS.Timeout | undefined;
  let started: Promise<void> | null = null;
  let generation = 0; // bumped by stop()
  let inFlight: Promise<void> | null = null;

  const use = (next: string[], at: Date, from: 'github' | 'stored') => {
    blockList = toBlockList(next);
    ranges = next;
    fetchedAt = at;
    source = from;
  };

  async function loadStored(): Promise<void> {
    try {
      const stored = await options.redis.get(options.redisKey);
      if (stored === null) return;
      const parsed = JSON.parse(stored) as { ranges?: unknown; fetchedAt?: unknown };
      const checked = checkRanges(parsed.ranges);
      const at = typeof parsed.fetchedAt === 'string' ? new Date(parsed.fetchedAt) : null;
      if (!checked.ok || !at || Number.isNaN(at.getTime())) {
        options.logger.warn('github hook ranges: stored copy ignored', {
          reason: checked.ok ? 'fetchedAt is missing or invalid' : checked.reason,
        });
        return;
      }
      use(checked.ranges, at, 'stored');
    } catch (error) {
      options.logger.warn('github hook ranges: stored copy unreadable', { reason: reasonOf(error) });
    }
  }

  async function fetchOnce(): Promise<void> {
    let checked: Checked;
    try {
      const { data } = await axios.get<unknown>(metaUrl, {
        timeout: options.timeoutMs ?? 10_000,
        headers: { Accept: 'application/vnd.github+json', 'User-Agent': 'hookfleet-ingress' },
        maxRedirects: 0,
        maxContentLength: 10 * 1024 * 1024,
      });
      // axios leaves a body that is not JSON as a string.
      checked =
        typeof data === 'object' && data !== null
          ? checkRanges((data as { hooks?: unknown }).hooks)
          : { ok: false, reason: 'the answer is not a JSON object' };
    } catch (error) {
      checked = { ok: false, reason: reasonOf(error) };
    }
    if (!checked.ok) {
      options.logger.warn('github hook ranges: refresh failed, keeping the previous list', {
        reason: checked.reason,
        keptRanges: ranges.length,
        keptSource: source,
      });
      return;
    }
    const at = now();
    use(checked.ranges, at, 'github');
    try {
      await options.redis.set(
        options.redisKey,
        JSON.stringify({ ranges: checked.ranges, fetchedAt: at.toISOString() }),
      );
    } catch (error) {
      options.logger.warn('github hook ranges: storing the last-good copy failed', { reason: reasonOf(error) });
    }
  }

  // One fetch at a time: a slow GitHub must not stack refreshes up behind a short interval.
  const refresh = (): Promise<void> => (inFlight ??= fetchOnce().finally(() => (inFlight = null)));

  return {
    start() {
      if (started) return started;
      const run = generation;
      started = (async () => {
        await loadStored();
        await refresh();
        // Unless stop() came while the first fetch was under way.
        if (run === generation) timer = setInterval(() => void refresh(), options.refreshIntervalMs).unref();
      })();
      return started;
    },
    stop() {
      generation += 1;
      clearInterval(timer);
      timer = undefined;
      started = null;
    },
    allows(ip) {
      return ranges.length > 0 && isAllowed(blockList, ip);
    },
    snapshot: () => ({ ranges: [...ranges], fetchedAt, source }),
  };
}
