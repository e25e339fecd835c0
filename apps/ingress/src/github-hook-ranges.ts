// GitHub's webhook source ranges (the `hooks` list of GET {GITHUB_API_URL}/meta), kept in memory for
// sources that accept GitHub's addresses only. Never fetched on the request path: a background refresh
// replaces the list when GitHub answers with a valid one, and a last-good copy in Redis covers restarts
// while GitHub is unreachable. With no list at all, nothing is allowed (fail closed).
import { BlockList } from 'node:net';
import axios from 'axios';
import type { Redis } from 'ioredis';
import type { Logger } from '@hookfleet/observability';
import { cidrSchema, isAllowed, toBlockList } from '@hookfleet/sources';

export interface GithubHookRanges {
  /** Loads the stored copy, fetches once, then refreshes every interval. Never throws. */
  start(): Promise<void>;
  stop(): void;
  allows(ip: string): boolean;
  snapshot(): { ranges: string[]; fetchedAt: Date | null; source: 'github' | 'stored' | 'none' };
}

export function createGithubHookRanges(options: {
  apiBaseUrl: string;
  redis: Redis;
  redisKey: string;
  refreshIntervalMs: number;
  timeoutMs?: number;
  logger: Logger;
}): GithubHookRanges {
  let ranges: string[] = [];
  let blockList = new BlockList();
  let fetchedAt: Date | null = null;
  let origin: 'github' | 'stored' | 'none' = 'none';
  let timer: NodeJS.Timeout | undefined;

  const use = (next: string[], at: Date, from: 'github' | 'stored') => {
    ranges = next;
    blockList = toBlockList(next);
    fetchedAt = at;
    origin = from;
  };
  const valid = (list: unknown): list is string[] =>
    Array.isArray(list) && list.length > 0 && list.every((entry) => cidrSchema.safeParse(entry).success);

  async function loadStored(): Promise<void> {
    try {
      const stored = await options.redis.get(options.redisKey);
      const parsed = stored ? (JSON.parse(stored) as { ranges?: unknown; fetchedAt?: string }) : null;
      if (parsed && valid(parsed.ranges)) use(parsed.ranges, new Date(parsed.fetchedAt ?? 0), 'stored');
    } catch (error) {
      options.logger.warn('github hook ranges: stored copy unreadable', { error: String(error) });
    }
  }

  async function refresh(): Promise<void> {
    try {
      const { data } = await axios.get<{ hooks?: unknown }>(`${options.apiBaseUrl.replace(/\/$/, '')}/meta`, {
        timeout: options.timeoutMs ?? 10_000,
        headers: { Accept: 'application/vnd.github+json', 'User-Agent': 'hookfleet' },
        maxRedirects: 0,
      });
      if (!valid(data?.hooks)) throw new Error('the hooks list is missing, empty or has an invalid range');
      const at = new Date();
      use(data.hooks, at, 'github');
      await options.redis
        .set(options.redisKey, JSON.stringify({ ranges: data.hooks, fetchedAt: at.toISOString() }))
        .catch(() => undefined);
    } catch (error) {
      options.logger.warn('github hook ranges: refresh failed, keeping the previous list', {
        error: error instanceof Error ? error.message : String(error),
        ranges: ranges.length,
      });
    }
  }

  return {
    async start() {
      await loadStored();
      await refresh();
      timer ??= setInterval(() => void refresh(), options.refreshIntervalMs).unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    allows(ip) {
      return ranges.length > 0 && isAllowed(blockList, ip);
    },
    snapshot: () => ({ ranges: [...ranges], fetchedAt, source: origin }),
  };
}
