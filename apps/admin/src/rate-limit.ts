// The admin API's rate limit, counted in Redis so that every admin replica enforces one limit per caller.
// A caller is its API token (a browser session counts as the token it was opened with); a request without
// a valid credential counts against its address, so made-up tokens cannot open fresh buckets. Two fixed
// windows express "N a minute with a burst of B": B per the time the rate takes to earn B back, and N per
// minute. A caller may spend its burst at once, then waits for the rate; a request the burst window refuses
// is not counted per minute (the burst window is asked first), as a refused request takes no token from a
// token bucket.
// Redis away: the request passes unlimited. The limit guards against a runaway client, not an intruder
// (every route but the sign-in form and the signed callback needs a token); refusing every caller for as
// long as Redis is away would take the admin's Postgres-only reads down with it.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Logger as LimiterLogger } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { AppError, redisCounterStore } from '@hookfleet/http';
import { describeError, type Logger } from '@hookfleet/observability';
import { callerOf, type Principal, type TokenStore } from './auth.js';

export interface AdminRateLimitDeps {
  /** The rate limiter's own connection (see @hookfleet/queue connections). */
  redis: Redis;
  prefix: string;
  perMinute: number;
  burst: number;
  tokens: TokenStore;
  session?: (req: Request) => Promise<Principal | null>;
  logger: Logger;
}

interface RateWindow {
  /** Part of the Redis key and the RateLimit header's policy name. */
  name: 'api-burst' | 'api-minute';
  windowMs: number;
  limit: number;
}

/** The windows a configuration asks for, burst first; none when the limit is off. */
export function rateWindows(perMinute: number, burst: number): RateWindow[] {
  if (perMinute === 0) return [];
  const minute: RateWindow = { name: 'api-minute', windowMs: 60_000, limit: perMinute };
  if (burst === 0 || burst >= perMinute) return [minute];
  // The time the per-minute rate takes to earn the burst, in whole seconds (the headers count in seconds).
  const burstSeconds = Math.max(1, Math.round((60 * burst) / perMinute));
  return [{ name: 'api-burst', windowMs: burstSeconds * 1000, limit: burst }, minute];
}

/** express-rate-limit's complaints (a store error it passed over) on the app's log, as warnings. */
export function limiterLogger(logger: Logger): LimiterLogger {
  const warn = (error: unknown, message?: string) =>
    logger.warn(message ?? 'rate limiter error', { error: describeError(error) });
  return { error: warn, warn };
}

/** The client address, with IPv6 clients grouped by /56 so that one host cannot rotate through its block. */
export const addressKey = (req: Request) => `address:${ipKeyGenerator(req.ip ?? '')}`;

/** The limit's middleware, one per window (none when the limit is off); mounted before every admin route. */
export function adminRateLimit(deps: AdminRateLimitDeps): RequestHandler[] {
  // Each window asks for the caller's key: found once per request.
  const keys = new WeakMap<Request, Promise<string>>();
  const keyOf = (req: Request): Promise<string> => {
    let key = keys.get(req);
    if (!key) {
      key = callerOf(req, deps).then(
        (principal) => (principal ? `token:${principal.tokenId}` : addressKey(req)),
        // The token store or session unreadable (an outage): authenticate meets it next and answers for it.
        () => addressKey(req),
      );
      keys.set(req, key);
    }
    return key;
  };
  return rateWindows(deps.perMinute, deps.burst).map((window) =>
    rateLimit({
      windowMs: window.windowMs,
      limit: window.limit,
      identifier: window.name,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      passOnStoreError: true,
      logger: limiterLogger(deps.logger),
      keyGenerator: keyOf,
      store: redisCounterStore(deps.redis, `${deps.prefix}:ratelimit:${window.name}:`),
      handler: (req, _res, next) => {
        void keyOf(req).then((key) => {
          const whose = key.startsWith('token:') ? 'this token' : 'this address';
          next(
            new AppError(
              'rate_limited',
              `too many requests from ${whose} (${window.limit} per ${window.windowMs / 1000} s); retry after the Retry-After delay`,
            ),
          );
        });
      },
    }),
  );
}
