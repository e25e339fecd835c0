// Admin API authentication and authorization. Tokens are random, shown once and stored as SHA-256 (they
// carry 256 bits, so a slow hash adds nothing); ADMIN_API_TOKEN is kept as the bootstrap admin token. One
// policy, read from the route table, decides the least role of every request, so a route added tomorrow is
// covered the day it is added.
import { createHash, randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiRole, PrismaClient } from '@hookfleet/db';
import { AppError, bindRequestLog } from '@hookfleet/http';
import type { RouteFacts } from './route-table.js';
import { requireSameOrigin } from './sessions.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly ApiRole[];
const RANK: Record<ApiRole, number> = { viewer: 1, operator: 2, admin: 3 };

export interface Principal {
  tokenId: string;
  name: string;
  role: ApiRole;
}

const API_PREFIX = '/api/v1/';

/** A route's path as a pattern: Express matches case-insensitively, a parameter is one segment, "/" may end it. */
const patternOf = (path: string) => {
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+');
  return new RegExp(`^${source}/?$`, 'i');
};

/** The part of a route's path that names what it acts on: /api/v1/sources for /api/v1/sources/:id/disable. */
const resourceOf = (path: string) =>
  path.startsWith(API_PREFIX) ? API_PREFIX + path.slice(API_PREFIX.length).split('/')[0] : null;

/**
 * The least role each request needs, from the route table: the role of the route it reaches. A path no route
 * serves (a 404 to come) is judged by the resource it is under, so a mistyped path is as closed as its
 * neighbours: a read needs the strictest role of the resource's reads, a change the strictest of all its
 * routes; never less than viewer to read and operator to change, which is all Bull Board and paths outside
 * any resource need.
 */
export function rolePolicy(routes: readonly RouteFacts[]): (method: string, requestPath: string) => ApiRole {
  const guarded = routes.flatMap((route) =>
    route.role === 'signature'
      ? []
      : [
          {
            method: route.method.toUpperCase(),
            role: route.role,
            pattern: patternOf(route.path),
            resource: resourceOf(route.path),
          },
        ],
  );
  const strictest = (roles: ApiRole[]) => roles.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
  return (method, requestPath) => {
    const asRouted = method === 'HEAD' ? 'GET' : method;
    const reached = guarded.find((route) => route.method === asRouted && route.pattern.test(requestPath));
    if (reached) return reached.role;
    const reading = asRouted === 'GET';
    // Express routes match case-insensitively: /api/v1/Tokens/x must be judged as the tokens are.
    const path = requestPath.toLowerCase();
    const neighbours = guarded.filter(
      (route) => route.resource !== null && path.startsWith(route.resource) && (!reading || route.method === 'GET'),
    );
    return strictest([reading ? 'viewer' : 'operator', ...neighbours.map((route) => route.role)]);
  };
}

export const hasRole = (principal: Principal, role: ApiRole) => RANK[principal.role] >= RANK[role];

const TOKEN_PREFIX = 'hf_';
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const BOOTSTRAP_NAME = 'bootstrap (ADMIN_API_TOKEN)';
/** A revoked token stops working on every replica within this. */
const CACHE_TTL_MS = 5000;
const LAST_USED_INTERVAL_MS = 60_000;

export interface TokenStore {
  issue(input: {
    name: string;
    role: ApiRole;
    createdBy: string;
    expiresAt?: Date;
  }): Promise<{ token: string; id: string }>;
  resolve(token: string): Promise<Principal | null>;
  /** The token with this id, while it is usable (a browser session re-reads its token with this). */
  resolveById(id: string): Promise<Principal | null>;
  /** Makes ADMIN_API_TOKEN the bootstrap admin token (replacing an earlier value of it). */
  bootstrap(token: string): Promise<void>;
}

export function createTokenStore(prisma: PrismaClient, now: () => Date = () => new Date()): TokenStore {
  const cache = new Map<string, { principal: Principal | null; at: number }>();
  const lastMarked = new Map<string, number>();

  type Row = { id: string; name: string; role: ApiRole; revokedAt: Date | null; expiresAt: Date | null };
  /** A token's principal, read at most once per CACHE_TTL_MS per key; `lastUsedAt` marked at most once a minute. */
  async function cached(key: string, load: () => Promise<Row | null>): Promise<Principal | null> {
    const hit = cache.get(key);
    const at = now().getTime();
    if (hit && at - hit.at < CACHE_TTL_MS) return hit.principal;
    const row = await load();
    const usable = row && !row.revokedAt && (!row.expiresAt || row.expiresAt.getTime() > at);
    const principal = usable ? { tokenId: row.id, name: row.name, role: row.role } : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { principal, at });
    if (principal && at - (lastMarked.get(principal.tokenId) ?? 0) > LAST_USED_INTERVAL_MS) {
      lastMarked.set(principal.tokenId, at);
      await prisma.apiToken.update({ where: { id: principal.tokenId }, data: { lastUsedAt: now() } });
    }
    return principal;
  }

  return {
    async issue({ name, role, createdBy, expiresAt }) {
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const row = await prisma.apiToken.create({
        data: { name, role, createdBy, expiresAt, tokenHash: hashOf(token), prefix: token.slice(0, 10) },
        select: { id: true },
      });
      return { token, id: row.id };
    },

    resolve(token) {
      const tokenHash = hashOf(token);
      return cached(`hash:${tokenHash}`, () => prisma.apiToken.findUnique({ where: { tokenHash } }));
    },

    resolveById(id) {
      return cached(`id:${id}`, () => prisma.apiToken.findUnique({ where: { id } }));
    },

    async bootstrap(token) {
      const data = { role: 'admin' as const, tokenHash: hashOf(token), prefix: token.slice(0, 4), revokedAt: null };
      await prisma.apiToken.upsert({
        where: { name: BOOTSTRAP_NAME },
        create: { name: BOOTSTRAP_NAME, createdBy: 'env', ...data },
        update: data,
      });
    },
  };
}

export const principalOf = (res: Response): Principal => {
  const principal = (res.locals as { principal?: Principal }).principal;
  if (!principal) throw new Error('request not authenticated');
  return principal;
};

const bearerTokenOf = (header: string): string | null => /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;

/**
 * Who the request's credential names, as `authenticate` reads it (a bearer token, else a session), or null
 * when it names nobody: for telling callers apart before they are judged, never a refusal itself.
 */
export async function callerOf(
  req: Request,
  deps: { tokens: TokenStore; session?: (req: Request) => Promise<Principal | null> },
): Promise<Principal | null> {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const token = bearerTokenOf(header);
    return token ? deps.tokens.resolve(token) : null;
  }
  return (await deps.session?.(req)) ?? null;
}

/**
 * Authenticates with `Authorization: Bearer <token>` or, for browsers, a session (see sessions.ts), then
 * checks the route's role. 401 without a valid credential, 403 with one whose role is too low.
 */
export function authenticate(deps: {
  tokens: TokenStore;
  session?: (req: Request) => Promise<Principal | null>;
  routes: readonly RouteFacts[];
}): RequestHandler {
  const requiredRole = rolePolicy(deps.routes);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      let principal: Principal | null = null;
      if (typeof header === 'string') {
        const token = bearerTokenOf(header);
        if (!token) throw new AppError('missing_token', 'Authorization: Bearer <token> is required');
        principal = await deps.tokens.resolve(token);
        if (!principal) throw new AppError('invalid_token', 'the bearer token is not valid');
      } else {
        principal = (await deps.session?.(req)) ?? null;
        if (!principal) throw new AppError('missing_token', 'Authorization: Bearer <token> is required');
      }
      const viaSession = typeof header !== 'string';
      (res.locals as { principal?: Principal }).principal = principal;
      bindRequestLog(res, { principal: principal.name, role: principal.role, via: viaSession ? 'session' : 'token' });
      // A cookie is sent by the browser on its own, whoever's page asks: a change needs this admin's origin.
      if (viaSession) requireSameOrigin(req);
      const needed = requiredRole(req.method, req.path);
      if (!hasRole(principal, needed)) {
        throw new AppError('insufficient_role', `this needs the ${needed} role; the token is ${principal.role}`);
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
