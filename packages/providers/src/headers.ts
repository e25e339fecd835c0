// Header names are defined here once; Node lower-cases incoming header names.
import type { Rejection } from './provider.js';

export const GITHUB_HEADERS = {
  event: 'x-github-event',
  delivery: 'x-github-delivery',
  hookId: 'x-github-hook-id',
  signature256: 'x-hub-signature-256',
  signature: 'x-hub-signature',
} as const;

export const GITLAB_HEADERS = {
  /** The secret token itself, echoed verbatim (GitLab does not sign). */
  token: 'x-gitlab-token',
  /** "Merge Request Hook", "Push Hook", ... */
  event: 'x-gitlab-event',
  /** Kept across retries and resends (GitLab 17.4+). */
  idempotencyKey: 'idempotency-key',
  /** One per hook execution (shared by a chain of recursive hooks); a resend gets a new one. */
  eventUuid: 'x-gitlab-event-uuid',
} as const;

export const SLACK_HEADERS = {
  signature: 'x-slack-signature',
  timestamp: 'x-slack-request-timestamp',
  /** Present (1, 2, 3) only on Events API retries. */
  retryNum: 'x-slack-retry-num',
} as const;

export const LINEAR_HEADERS = {
  signature: 'linear-signature',
  delivery: 'linear-delivery',
} as const;

/** https://www.standardwebhooks.com (Svix and the senders built on it). */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/**
 * Headers that carry credentials, judged by name, since senders invent their own (x-api-key, x-auth-token,
 * x-shopify-hmac-sha256, x-amz-security-token, ocp-apim-subscription-key): any name with a word of
 * SECRET_WORDS in it, a segment of SECRET_SEGMENTS, or one of SECRET_NAMES (idempotency-key, GitLab's
 * delivery id, is the one well-known exception). What it misses, a source names in settings.redactHeaders.
 */
const SECRET_WORDS =
  /auth|cookie|token|secret|passw|pwd|signature|credential|session|hmac|jwt|bearer|csrf|xsrf|private|verification|dpop/;
/** Whole name segments: "-key" endings, and signature or MAC abbreviations (paypal-transmission-sig, x-airtable-content-mac). */
const SECRET_SEGMENTS = /(^|[-_])[a-z0-9]*key$|(^|[-_])(key|sig|mac)([-_]|$)/;
/** Names that carry a credential without saying so. */
const SECRET_NAMES = new Set(['x-trello-webhook', 'x-honeycomb-team', 'x-jfrog-art-api']);
const NOT_SECRET = new Set<string>([GITLAB_HEADERS.idempotencyKey]);

/** Whether a header's value is a credential (or could be), so it is never stored or logged. */
export function isSensitiveHeader(name: string): boolean {
  const key = name.toLowerCase();
  return !NOT_SECRET.has(key) && (SECRET_NAMES.has(key) || SECRET_WORDS.test(key) || SECRET_SEGMENTS.test(key));
}

export const REDACTED = '[redacted]';

export type IncomingHeaders = Record<string, string | string[] | undefined>;

/** A copy fit to store: credentials (by rule, and the source's own list) replaced, multi-valued headers joined. */
export function redactHeaders(headers: IncomingHeaders, alsoRedact: readonly string[] = []): Record<string, string> {
  const redacted: Record<string, string> = {};
  const extra = new Set(alsoRedact.map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    redacted[key] =
      isSensitiveHeader(key) || extra.has(key) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return redacted;
}

/** The value of a header that must appear at most once: null when absent or blank. */
export type SingleHeader = { ok: true; value: string | null } | Rejection;

export interface SingleHeaderOptions {
  /**
   * Node joins a repeated custom header into one value with ', ', so a separator the header's format never
   * contains betrays a repeat. Default ','; ', ' where a comma is part of the format (webhook-signature's
   * "v1,<sig>"); null for free-form values such as a secret token, where nothing can be inferred.
   */
  joinedBy?: string | null;
}

export function readSingleHeader(
  headers: IncomingHeaders,
  name: string,
  { joinedBy = ',' }: SingleHeaderOptions = {},
): SingleHeader {
  let raw = headers[name];
  if (Array.isArray(raw)) {
    if (raw.length > 1) return duplicated(name);
    raw = raw[0];
  }
  const value = raw?.trim();
  if (!value) return { ok: true, value: null };
  if (joinedBy !== null && value.includes(joinedBy)) return duplicated(name);
  return { ok: true, value };
}

function duplicated(name: string): Rejection {
  return { ok: false, code: 'duplicated_header', message: `${name} must appear once` };
}
