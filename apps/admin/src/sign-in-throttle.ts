// The sign-in form's throttle: failed sign-ins counted per address and per token tried, in Redis, so that
// every admin replica sees the same count. Only failures count (a successful sign-in takes its count back),
// so an operator is held up only by failures from their own address or with the very token they send,
// never by someone else's failures elsewhere. The token tried is counted by its hash: Redis never holds it.
// Redis away: the form answers 503. Sessions live in Redis too, so no sign-in could succeed meanwhile, and
// an unthrottled form would still tell a right token (a failing session write) from a wrong one (a 401).
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { redisCounterStore, requestLoggerOf } from '@hookfleet/http';
import { describeError, type Logger } from '@hookfleet/observability';
import { addressKey, limiterLogger } from './rate-limit.js';
import { sendLoginPage } from './sessions.js';

export const SIGN_IN_WINDOW_MS = 15 * 60_000;
/** What the 503 of an outage tells the browser: worth trying again soon. */
const RETRY_AFTER_OUTAGE_SECONDS = 5;

interface ThrottleScope {
  /** Part of the Redis key and the RateLimit header's policy name. */
  name: 'sign-in-address' | 'sign-in-token';
  /** The count this request adds to; null: it has none (no token posted). */
  key: (req: Request) => string | null;
  refusal: string;
}

const tokenTried = (req: Request): string | null => {
  const token = (req.body as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token.length > 0 ? createHash('sha256').update(token).digest('hex') : null;
};

const SCOPES: ThrottleScope[] = [
  { name: 'sign-in-address', key: addressKey, refusal: 'Too many failed sign-ins from this address.' },
  { name: 'sign-in-token', key: tokenTried, refusal: 'Too many failed sign-ins with this token.' },
];

/** The throttle's middleware, per address then per token tried; runs after the form is parsed. */
export function signInThrottle(deps: {
  /** The rate limiter's own connection (see @hookfleet/queue connections). */
  redis: Redis;
  prefix: string;
  maxFailures: number;
  logger: Logger;
}): RequestHandler[] {
  const minutes = SIGN_IN_WINDOW_MS / 60_000;
  return SCOPES.map((scope) => {
    const limiter = rateLimit({
      windowMs: SIGN_IN_WINDOW_MS,
      limit: deps.maxFailures,
      identifier: scope.name,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      skipSuccessfulRequests: true,
      passOnStoreError: false,
      logger: limiterLogger(deps.logger),
      skip: (req) => scope.key(req) === null,
      keyGenerator: (req) => scope.key(req) ?? '',
      store: redisCounterStore(deps.redis, `${deps.prefix}:ratelimit:${scope.name}:`),
      handler: (_req, res) => {
        sendLoginPage(res, 429, `${scope.refusal} Try again in ${plural(retryMinutes(res) ?? minutes, 'minute')}.`);
      },
    });
    return (req, res, next) => {
      void limiter(req, res, (error?: unknown) => {
        if (error === undefined) return next();
        requestLoggerOf(res).warn('sign-in throttle unavailable', { error: describeError(error) });
        res.set('retry-after', String(RETRY_AFTER_OUTAGE_SECONDS));
        sendLoginPage(res, 503, 'Sign-in is unavailable right now. Try again shortly.');
      });
    };
  });
}

/** The minutes Retry-After (set before the handler runs) asks for, rounded up. */
function retryMinutes(res: Response): number | null {
  const seconds = Number(res.getHeader('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds / 60) : null;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
