import { nonNegativeInt, port, positiveInt, trustProxy } from '@hookfleet/config';
import { queueConfigSchema } from '@hookfleet/queue';
import { githubCredentialsConfigShape, parseHookRef, type HookRef } from '@hookfleet/github';
import { transformConfigShape } from '@hookfleet/sources';
import { z } from 'zod';

/** "repos/o/r/hooks/1,orgs/o/hooks/2,app" -> the hooks; a value that names no hook fails at start. */
const hookList = z.string().transform((value, ctx): HookRef[] => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const hooks = entries.map(parseHookRef);
  const bad = entries.filter((_, i) => hooks[i] === null);
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `not a hook (repos/<owner>/<repo>/hooks/<id>, orgs/<org>/hooks/<id> or app): ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return hooks as HookRef[];
});

/** GitHub credentials and the hooks whose missed deliveries are recovered (off when no hook is named). */
export const githubRecoveryConfigShape = {
  ...githubCredentialsConfigShape,
  GITHUB_RECOVERY_HOOKS: hookList.default([]),
  GITHUB_RECOVERY_INTERVAL_MS: positiveInt.default(600_000),
  /** How far back deliveries are checked (GitHub redelivers up to 72 hours). */
  GITHUB_RECOVERY_WINDOW_HOURS: positiveInt.max(72).default(6),
} as const;

/** "https://a.example,http://localhost:5173" -> exact origins; anything that is not one fails at start. */
const originList = z.string().transform((value, ctx): string[] => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => originOf(entry) !== entry);
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `not an exact origin (scheme://host[:port], no path or trailing slash): ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return entries;
});

function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null; // not a URL: not an origin
  }
}

export const adminConfigSchema = queueConfigSchema.extend({
  ADMIN_PORT: port.default(3002),
  ADMIN_HOST: z.string().default('0.0.0.0'),
  ADMIN_API_TOKEN: z.string().min(16, 'required, at least 16 characters: the bearer token for the admin API'),
  /** Standard Webhooks secret (whsec_...) MAS signs its callbacks with; unset: the callback route answers 404. */
  MAS_CALLBACK_SECRET: z.string().min(1).optional(),
  /** The daily cleanup deletes finished events (and BullMQ's completed jobs) older than this. */
  RETENTION_DAYS: positiveInt.default(30),
  /** How often sources' scheduled dead-letter re-drive (settings.deadLetterRedrive) looks for due events. */
  DEAD_LETTER_REDRIVE_SCAN_MS: positiveInt.default(60_000),
  /**
   * The reconciler: every RECONCILE_INTERVAL_MS, up to RECONCILE_BATCH_SIZE unfinished events untouched for
   * RECONCILE_STALE_AFTER_MS get their job checked: queued again when it is missing, dead when it failed.
   */
  RECONCILE_INTERVAL_MS: positiveInt.default(30_000),
  RECONCILE_STALE_AFTER_MS: positiveInt.default(60_000),
  RECONCILE_BATCH_SIZE: positiveInt.max(100_000).default(5000),
  ...githubRecoveryConfigShape,
  /** How often each admin re-creates the scheduled jobs (retention, re-drive, reconciler) if Redis lost them. */
  SCHEDULER_CHECK_MS: positiveInt.default(30_000),
  /** An event's payload or transformed document larger than this (as JSON) is shown as a truncated preview. */
  ADMIN_MAX_INLINE_BYTES: positiveInt.default(1024 * 1024),
  /** The transform dry run (POST /api/v1/sources/:id/transform/test) runs in the same sandbox as the worker. */
  ...transformConfigShape,
  /** The proxies in front of the admin (as TRUST_PROXY): behind a TLS-terminating one, req.secure is then true. */
  ADMIN_TRUST_PROXY: trustProxy.default(0),
  /**
   * The session cookie's Secure flag. auto: when the request came over TLS (directly, or through a trusted
   * proxy); true / false: always / never. Unset: true in production, auto elsewhere; serving production
   * over plain HTTP needs an explicit false (browsers accept Secure cookies from http://localhost).
   */
  ADMIN_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).optional(),
  /**
   * Every admin route but the health and metrics probes, per caller (its API token, a browser session
   * counting as its token; else its address), counted in Redis across replicas: this many requests a
   * minute; 0 turns the limit off.
   */
  ADMIN_RATE_LIMIT_PER_MINUTE: nonNegativeInt.default(100),
  /**
   * Of those, at most this many at once: this many per the time the per-minute rate takes to earn them
   * (50 of 100 a minute: 50 per 30 s). 0, or not below the per-minute limit: no burst window.
   */
  ADMIN_RATE_LIMIT_BURST: nonNegativeInt.default(50),
  /** Failed sign-ins (/admin/login) allowed per address, and per token tried, in 15 minutes. */
  ADMIN_SIGN_IN_MAX_FAILURES: positiveInt.default(10),
  /** Browser origins allowed to call the admin API (CORS), comma-separated exact origins; unset: none. */
  ADMIN_CORS_ORIGINS: originList.default([]),
});
export type AdminConfig = z.infer<typeof adminConfigSchema>;

export type CookieSecurity = 'auto' | 'true' | 'false';

export const cookieSecurityOf = (config: Pick<AdminConfig, 'ADMIN_COOKIE_SECURE' | 'NODE_ENV'>): CookieSecurity =>
  config.ADMIN_COOKIE_SECURE ?? (config.NODE_ENV === 'production' ? 'true' : 'auto');
