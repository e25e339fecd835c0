import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { PrismaClient } from '@hookfleet/db';
import {
  createBaseApp,
  errorHandler,
  healthRoutes,
  notFoundHandler,
  requestContext,
  requestSpan,
  type HealthCheck,
} from '@hookfleet/http';
import type { Logger, Metrics } from '@hookfleet/observability';
import { queueReport, type Clients, type EventQueues } from '@hookfleet/queue';
import { refreshOperationalGauges } from '@hookfleet/events';
import { authenticate, type TokenStore } from './auth.js';
import { auditTrail } from './audit.js';
import { refuseUnsafeInput } from './input-guard.js';
import { BULL_BOARD_PATH, bullBoardInlineStyles, bullBoardRouter } from './bull-board.js';
import { cookieSecurityOf, type AdminConfig } from './config.js';
import type { TransformSandbox } from '@hookfleet/sources';
import express from 'express';
import { API_PATH_PREFIX, apiCors } from './cors.js';
import type { Operations } from './operations.js';
import { adminRateLimit } from './rate-limit.js';
import { signInThrottle } from './sign-in-throttle.js';
import { adminRoutes, type AdminRoute } from './route-table.js';
import { LOGIN_STYLE_HASH, loginRedirect, sessionRoutes, type SessionStore } from './sessions.js';

export interface AdminDeps {
  config: AdminConfig;
  prisma: PrismaClient;
  /** The pool under Prisma, for its use in /health and /metrics. */
  pool: Clients['pool'];
  queues: EventQueues;
  logger: Logger;
  metrics: Metrics;
  checks: Record<string, HealthCheck>;
  tokens: TokenStore;
  operations: Operations;
  /** The hooks missed-delivery recovery watches (empty: off). */
  githubRecoveryHooks: readonly string[];
  /** The `github_api` health component, when recovery calls GitHub. */
  githubApi?: HealthCheck;
  transforms: TransformSandbox;
  /** Browser sign-in (sessions.ts); without it the API and Bull Board take bearer tokens only. */
  sessions?: SessionStore;
  /** The rate limiter's own connection: the API's rate limit and the sign-in throttle count in it. */
  limiterRedis: Redis;
}

export function createAdminServer(deps: AdminDeps): Express {
  const app = createBaseApp({ helmet: { contentSecurityPolicy: adminContentSecurityPolicy() } });
  // Explicit hops or addresses only: behind a TLS-terminating proxy, req.secure (the cookie's Secure flag) follows it.
  app.set('trust proxy', deps.config.ADMIN_TRUST_PROXY);
  app.use(requestContext(deps));
  app.use(
    healthRoutes({
      ...deps,
      reports: {
        queue: queueReport(deps.queues, deps.config.HEALTH_QUEUE_DEPTH_DEGRADED),
        ...(deps.githubApi ? { github_api: deps.githubApi } : {}),
      },
      beforeScrape: () =>
        refreshOperationalGauges(deps.metrics, {
          queues: deps.queues,
          prisma: deps.prisma,
          pool: { pool: deps.pool, max: deps.config.DATABASE_POOL_MAX },
        }),
    }),
  );
  // Before the rate limit: its 429s carry CORS headers a page can read, and preflights are not counted.
  const routes = adminRoutes(deps);
  const cors = apiCors(
    deps.config.ADMIN_CORS_ORIGINS,
    routes.map((route) => route.method),
  );
  if (cors) app.use(API_PATH_PREFIX, cors);
  const signed = (route: AdminRoute) => route.role === 'signature';
  // Signed routes check their caller themselves, before any token is asked for. They are callbacks carrying
  // finished work (a MAS review's result), not operators' calls: a 429 would leave that result to the
  // sender's retry policy, so they are not counted against a caller's admin rate limit.
  mount(app, routes.filter(signed));
  // Every route from here on (not the probes and callbacks above) is rate limited per caller.
  const rateLimit = adminRateLimit({
    redis: deps.limiterRedis,
    prefix: deps.config.QUEUE_PREFIX,
    perMinute: deps.config.ADMIN_RATE_LIMIT_PER_MINUTE,
    burst: deps.config.ADMIN_RATE_LIMIT_BURST,
    tokens: deps.tokens,
    session: deps.sessions?.session,
    logger: deps.logger,
  });
  if (rateLimit.length > 0) app.use(rateLimit);
  if (deps.sessions) {
    app.use(
      sessionRoutes({
        sessions: deps.sessions,
        tokens: deps.tokens,
        secureCookie: cookieSecurityOf(deps.config),
        throttle: signInThrottle({
          redis: deps.limiterRedis,
          prefix: deps.config.QUEUE_PREFIX,
          maxFailures: deps.config.ADMIN_SIGN_IN_MAX_FAILURES,
          logger: deps.logger,
        }),
      }),
    );
  }
  // Everything below needs a token (or a browser session) with the route's role; changes are audited.
  // Its requests are traced: a reprocess or a retry continues in the jobs it queues.
  // Admin callers are operators and their tools: their trace is continued.
  app.use(requestSpan('@hookfleet/admin', { callerTrace: 'continue' }));
  app.use(auditTrail(deps));
  app.use(authenticate({ tokens: deps.tokens, session: deps.sessions?.session, routes }));
  if (deps.sessions) app.use(loginRedirect(BULL_BOARD_PATH));
  app.use(express.json({ limit: '100kb' }));
  app.use(refuseUnsafeInput());
  mount(
    app,
    routes.filter((route) => !signed(route)),
  );
  app.use(BULL_BOARD_PATH, bullBoardRouter(deps.queues, deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

function mount(app: Express, routes: readonly AdminRoute[]) {
  for (const route of routes) app[route.method](route.path, route.handler);
}

/**
 * The admin's pages are its sign-in form and Bull Board: scripts only from this origin (Bull Board's are
 * all files), inline styles only those two pages ship (by hash), API calls and Bull Board's syntax-highlight
 * worker to this origin; nothing may frame, embed or post elsewhere. No upgrade-insecure-requests: every
 * URL is relative, and operators reach the admin over plain HTTP through a port-forward.
 */
function adminContentSecurityPolicy() {
  const board = bullBoardInlineStyles();
  return {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'base-uri': ["'self'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'", LOGIN_STYLE_HASH, ...board.elements],
      'style-src-attr': ["'unsafe-hashes'", ...board.attributes],
      'img-src': ["'self'"],
      'connect-src': ["'self'"],
      'worker-src': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    },
  };
}
