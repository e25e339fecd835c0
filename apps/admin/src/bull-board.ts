// Bull Board, mounted at /admin/queues, showing every queue (its failed tab is the dead-letter queue).
// Two boards on one path: viewers get one whose every queue is read-only, operators and admins the full one.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import type { HTTPStatus } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Express } from 'express';
import { AppError, toAppError } from '@hookfleet/http';
import type { Logger, Metrics } from '@hookfleet/observability';
import type { EventQueues } from '@hookfleet/queue';
import { hasRole, principalOf } from './auth.js';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board's page asks for IBM Plex from Google Fonts: the admin serves it without that link, so an
 * operator's browser calls no third party (and the page needs no off-site CSP source); the UI falls back
 * to the system fonts.
 */
const withoutExternalFonts = (html: string) =>
  html.replace(/<link[^>]*href="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>\s*/g, '');

/** Bull Board's page sizes go up to 100; a larger one would make one response as large as a queue. */
const MAX_JOBS_PER_PAGE = 1000;

function board(queues: EventQueues, readOnlyMode: boolean, deps: BoardDeps): Express {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: Object.values(queues).map((queue) => new BullMQAdapter(queue, { readOnlyMode })),
    serverAdapter,
  });
  // Bull Board's API answers its own errors; ours map them as every other route's are (a malformed
  // parameter is a 400, not a 500 with the raw message), and log and count what is unexpected.
  serverAdapter.setErrorHandler((error: Error) => {
    const appError = toAppError(error);
    if (appError.code === 'internal_error') {
      deps.metrics.unexpectedErrors.inc({ kind: 'request' });
      deps.logger.error('bull board request failed', { error });
    }
    // Bull Board types the statuses it uses itself; ours are the same kind of number.
    const status = appError.status as HTTPStatus;
    return { status, body: { error: appError.message, code: appError.code, status_code: appError.status } };
  });
  const app = serverAdapter.getRouter() as Express;
  app.disable('x-powered-by');
  // Bull Board renders its page with res.render, which always calls app.render(view, options, done).
  type Render = (name: string, options: object, done: (error: Error | null, html?: string) => void) => void;
  const render = app.render.bind(app) as Render;
  const renderWithoutFonts: Render = (name, options, done) =>
    render(name, options, (error, html) => done(error, html === undefined ? html : withoutExternalFonts(html)));
  app.render = renderWithoutFonts as Express['render'];
  return app;
}

interface BoardDeps {
  logger: Logger;
  metrics: Metrics;
}

/** Both boards behind one handler, each admitting only the roles it is for (`next('router')` passes on). */
export function bullBoardRouter(queues: EventQueues, deps: BoardDeps): Express {
  const gated = (readOnlyMode: boolean) => {
    const app = express();
    app.disable('x-powered-by');
    app.use((_req, res, next) => {
      const full = hasRole(principalOf(res), 'operator');
      next(full !== readOnlyMode ? undefined : 'router');
    });
    app.use(board(queues, readOnlyMode, deps));
    return app;
  };
  const app = express();
  app.disable('x-powered-by');
  app.use((req, _res, next) => {
    const perPage = Number(req.query.jobsPerPage ?? 0);
    if (!Number.isFinite(perPage) || perPage > MAX_JOBS_PER_PAGE) {
      throw new AppError('invalid_request', `jobsPerPage must be at most ${MAX_JOBS_PER_PAGE}`);
    }
    next();
  });
  app.use(gated(true), gated(false));
  return app;
}

const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * CSP hash sources for the inline styles Bull Board's page uses, read from the installed @bull-board/ui:
 * the page template's loading placeholder (one <style> element, a few style attributes) and the static
 * <style> elements its React bundle renders (an SVG logo's). Its scripts are all files (`'self'`); its one
 * inline <script> is JSON data, which CSP does not govern. Fails at startup, not in an operator's
 * browser, if a template part to hash is not static.
 */
export function bullBoardInlineStyles(): { elements: string[]; attributes: string[] } {
  const require = createRequire(import.meta.url);
  const ui = dirname(createRequire(require.resolve('@bull-board/api')).resolve('@bull-board/ui/package.json'));
  const html = withoutExternalFonts(readFileSync(join(ui, 'dist', 'index.ejs'), 'utf8'));
  const elements = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1] ?? '');
  const attributes = [...html.matchAll(/\sstyle="([^"]*)"/g)].map((match) => match[1] ?? '');
  const dynamic = [...elements, ...attributes].find((text) => text.includes('<%') || text.includes('&'));
  if (dynamic !== undefined) throw new Error(`Bull Board's page has an inline style that is not static: ${dynamic}`);
  // jsx("style", { children: `...` }) with a plain template literal (no ${}, no escapes): static text.
  const scripts = join(ui, 'dist', 'static', 'js');
  for (const file of readdirSync(scripts, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(join(scripts, file), 'utf8');
    for (const match of code.matchAll(/\("style",\{children:`([^`$\\]*)`\}\)/g)) elements.push(match[1] ?? '');
  }
  return { elements: [...new Set(elements)].map(sha256Source), attributes: [...new Set(attributes)].map(sha256Source) };
}
