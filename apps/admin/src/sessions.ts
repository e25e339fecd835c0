// Browser sessions for Bull Board and the API: sign in once with an API token, then a cookie stands in
// for it. The session keeps only the token's id; every request re-reads the token, so revoking it ends
// its sessions too (within the token store's cache time). SameSite=Strict alone does not keep other pages
// from riding the cookie: a browser sends it from sibling subdomains and from other ports of the same host.
// So every cookie-authenticated change must come from this admin's own origin (sameOriginOnly), and the
// sign-in and sign-out forms refuse a cross-site post, so no other site can sign a browser into a session.
import { createHash, randomBytes } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '@hookfleet/http';
import type { Clients } from '@hookfleet/queue';
import type { Principal, TokenStore } from './auth.js';
import type { CookieSecurity } from './config.js';

export const SESSION_COOKIE = 'hookfleet_session';
export const LOGIN_PATH = '/admin/login';
export const LOGOUT_PATH = '/admin/logout';
const FAVICON_PATH = '/favicon.ico';
/** The routes sessionRoutes serves without a credential (a sign-in form cannot need one). */
export const SIGN_IN_PATHS: readonly string[] = [LOGIN_PATH, LOGOUT_PATH, FAVICON_PATH];
const AFTER_LOGIN = '/admin/queues';
const SESSION_TTL_SECONDS = 8 * 60 * 60;

export interface SessionStore {
  /** Starts a session for the principal and returns its id (the cookie's value). */
  create(principal: Principal): Promise<string>;
  destroy(id: string): Promise<void>;
  /** The principal of the request's session cookie, re-read from its token; for `authenticate({ session })`. */
  session(req: Request): Promise<Principal | null>;
}

export function createSessionStore(deps: {
  redis: Clients['redis'];
  prefix: string;
  tokens: TokenStore;
}): SessionStore {
  // Redis holds the id's hash, so a read of Redis gives no usable cookie.
  const keyOf = (id: string) => `${deps.prefix}:admin-session:${createHash('sha256').update(id).digest('hex')}`;

  return {
    async create(principal) {
      const id = randomBytes(32).toString('base64url');
      const { tokenId, name, role } = principal;
      await deps.redis.set(keyOf(id), JSON.stringify({ tokenId, name, role }), 'EX', SESSION_TTL_SECONDS);
      return id;
    },

    async destroy(id) {
      await deps.redis.del(keyOf(id));
    },

    async session(req) {
      const id = cookieOf(req, SESSION_COOKIE);
      if (!id) return null;
      const stored = await deps.redis.get(keyOf(id));
      if (!stored) return null;
      const { tokenId } = JSON.parse(stored) as Pick<Principal, 'tokenId'>;
      const principal = await deps.tokens.resolveById(tokenId);
      if (!principal) await deps.redis.del(keyOf(id));
      return principal;
    },
  };
}

function cookieOf(req: Request, name: string): string | null {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim() || null;
  }
  return null;
}

const LOGIN_STYLE =
  'body{font-family:system-ui,sans-serif;background:#151a21;color:#d6dbe1;display:flex;justify-content:center;' +
  'padding-top:15vh}form{display:flex;flex-direction:column;gap:.75rem;width:22rem}input,button{font:inherit;' +
  'padding:.5rem}.error{color:#ff8a80}';
/** The CSP source that admits the sign-in page's one inline style element. */
export const LOGIN_STYLE_HASH = `'sha256-${createHash('sha256').update(LOGIN_STYLE).digest('base64')}'`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function loginPage(message?: string): string {
  const error = message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Hookfleet admin: sign in</title><style>${LOGIN_STYLE}</style></head>
<body><form method="post" action="${escapeHtml(LOGIN_PATH)}">
<h1>Hookfleet admin</h1>${error}
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button>
</form></body></html>`;
}

export function sendLoginPage(res: Response, status: number, message?: string): void {
  res.status(status).type('html').set('cache-control', 'no-store').send(loginPage(message));
}

/**
 * Where a browser request came from. Sec-Fetch-Site where the browser sends it (same-site is not
 * same-origin: a sibling subdomain or another port); else the Origin's host against Host ("null", which
 * no-referrer pages send, says nothing). Neither: not a browser, or a browser too old to say.
 */
function originOf(req: Request): 'same-origin' | 'cross-origin' | 'unknown' {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string')
    return site === 'same-origin' ? 'same-origin' : site === 'none' ? 'unknown' : 'cross-origin';
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return 'unknown';
  return hostOf(origin) === req.headers.host ? 'same-origin' : 'cross-origin';
}

/** The sign-in and sign-out forms: refused when posted from another origin; a caller that says nothing has no cookie to abuse. */
function refuseCrossSite(req: Request): void {
  if (originOf(req) === 'cross-origin') throw new AppError('cross_site_form', 'cross-site form posts are refused');
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A change made with a session cookie must say it comes from this admin's own pages: every browser sends
 * Sec-Fetch-Site or Origin with a POST, PUT, PATCH or DELETE, so one that says neither is refused too.
 * Bearer-token calls carry no ambient credential and are not judged here.
 */
export function requireSameOrigin(req: Request): void {
  if (READS.has(req.method) || originOf(req) === 'same-origin') return;
  throw new AppError('cross_site_request', 'changes made with a session cookie must come from the admin’s own pages');
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null; // not a URL: not this host
  }
}

/** The sign-in form and sign-out; mounted before `authenticate`, the form being how a browser gets a session. */
export function sessionRoutes(deps: {
  sessions: SessionStore;
  tokens: TokenStore;
  secureCookie: CookieSecurity;
  /** Asked before a posted token is checked (sign-in-throttle.ts); its form is parsed by then. */
  throttle?: readonly RequestHandler[];
}): Router {
  const router = Router();
  const cookieOptions = (req: Request) =>
    ({
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: deps.secureCookie === 'auto' ? req.secure : deps.secureCookie === 'true',
    }) as const;
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.get(LOGIN_PATH, (_req, res) => sendLoginPage(res, 200));
  // Browsers ask for it on every page; without this the sign-in page would log a 401 for it.
  router.get(FAVICON_PATH, (_req, res) => res.status(204).end());

  router.post(LOGIN_PATH, form, ...(deps.throttle ?? []), async (req, res) => {
    refuseCrossSite(req);
    const token = (req.body as { token?: unknown } | undefined)?.token;
    const principal = typeof token === 'string' && token.length > 0 ? await deps.tokens.resolve(token) : null;
    if (!principal) {
      sendLoginPage(res, 401, 'Sign-in failed.');
      return;
    }
    const id = await deps.sessions.create(principal);
    res.cookie(SESSION_COOKIE, id, { ...cookieOptions(req), maxAge: SESSION_TTL_SECONDS * 1000 });
    res.redirect(303, AFTER_LOGIN);
  });

  router.post(LOGOUT_PATH, async (req, res) => {
    refuseCrossSite(req);
    const id = cookieOf(req, SESSION_COOKIE);
    if (id) await deps.sessions.destroy(id);
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.redirect(303, LOGIN_PATH);
  });

  return router;
}

/**
 * A browser navigating to a page under `pathPrefix` without a credential is sent to the sign-in form
 * instead of getting the JSON 401 that API callers get. Mounted right after `authenticate`.
 */
export function loginRedirect(pathPrefix: string): ErrorRequestHandler {
  return (error, req, res, next) => {
    const navigating = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
    const underPrefix = req.path === pathPrefix || req.path.startsWith(`${pathPrefix}/`);
    if (error instanceof AppError && error.status === 401 && navigating && underPrefix) {
      res.redirect(302, LOGIN_PATH);
      return;
    }
    next(error);
  };
}
