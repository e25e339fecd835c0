// Webhook rate limits, counted in Redis so that every ingress replica enforces one limit: per client
// address and per source by the minute, per repository by the hour. The client address is express's
// req.ip, which honours only the configured TRUST_PROXY hops, so a forged X-Forwarded-For cannot open a
// fresh bucket.
import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator, type Options } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { AppError, redisCounterStore } from '@hookfleet/http';
import type { IngressConfig } from '../config.js';
import { deliveryOf, sourceOf } from './context.js';

/** The pipeline's three limits: per address and per source before the body is read, per repository once it is known. */
export interface RateLimits {
  perAddress: RequestHandler;
  perSource: RequestHandler;
  perRepository: RequestHandler;
}

export function createRateLimits(
  /** The rate limiter's own connection (see @hookfleet/queue connections). */
  limiterRedis: Redis,
  config: Pick<
    IngressConfig,
    'QUEUE_PREFIX' | 'WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE' | 'WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR'
  >,
): RateLimits {
  return {
    perAddress: createRateLimiter(limiterRedis, config.QUEUE_PREFIX, {
      name: 'ip',
      windowMs: 60_000,
      limit: config.WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE,
      key: (req) => clientAddressKey(req.ip),
    }),
    perSource: createRateLimiter(limiterRedis, config.QUEUE_PREFIX, {
      name: 'source',
      windowMs: 60_000,
      limit: (res) => sourceOf(res).settings.rateLimitPerMinute ?? 0,
      key: (_req, res) => sourceOf(res).id,
    }),
    perRepository: createRateLimiter(limiterRedis, config.QUEUE_PREFIX, {
      name: 'repository',
      windowMs: 3600_000,
      limit: config.WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR,
      key: (_req, res) => {
        const { normalized } = deliveryOf(res);
        return normalized.repository ? `${normalized.provider}:${normalized.repository}` : null;
      },
    }),
  };
}

interface RateLimitScope {
  /** Part of the Redis key and the RateLimit header's policy name. */
  name: 'ip' | 'source' | 'repository';
  windowMs: number;
  /** Requests per window; a function reads it per request (per-source settings). 0: unlimited. */
  limit: number | ((res: Parameters<RequestHandler>[1]) => number);
  key: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => string | null;
}

function createRateLimiter(redis: Redis, prefix: string, scope: RateLimitScope): RequestHandler {
  const limitOf = (res: Parameters<RequestHandler>[1]) =>
    typeof scope.limit === 'number' ? scope.limit : scope.limit(res);
  const options: Partial<Options> = {
    windowMs: scope.windowMs,
    limit: (_req, res) => limitOf(res),
    identifier: scope.name,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Redis away: let the request through; storing it will fail with a 503 the sender retries.
    passOnStoreError: true,
    skip: (req, res) => limitOf(res) === 0 || scope.key(req, res) === null,
    keyGenerator: (req, res) => scope.key(req, res) ?? '',
    store: redisCounterStore(redis, `${prefix}:ratelimit:${scope.name}:`),
    handler: (_req, _res, next) => {
      next(
        new AppError('rate_limited', `too many deliveries for this ${scope.name}; retry after the Retry-After delay`),
      );
    },
  };
  return rateLimit(options);
}

/** The client address, with IPv6 clients grouped by /56 so that one host cannot rotate through its block. */
function clientAddressKey(ip: string | undefined): string | null {
  return ip ? ipKeyGenerator(ip) : null;
}
