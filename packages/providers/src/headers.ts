// Header names are defined here once; Node lower-cases incoming header names.

export const GITHUB_HEADERS = {
  event: 'x-github-event',
  delivery: 'x-github-delivery',
  hookId: 'x-github-hook-id',
  signature256: 'x-hub-signature-256',
  signature: 'x-hub-signature',
} as const;

/** Headers that carry secrets or signatures: never stored, never logged. */
const SENSITIVE_HEADERS = new Set([
  'authorization',
  'cookie',
  'proxy-authorization',
  GITHUB_HEADERS.signature256,
  GITHUB_HEADERS.signature,
  'x-gitlab-token',
  'x-slack-signature',
  'linear-signature',
  'webhook-signature',
]);

export const REDACTED = '[redacted]';

export type IncomingHeaders = Record<string, string | string[] | undefined>;

/** A copy fit to store: sensitive values replaced, multi-valued headers joined. */
export function redactHeaders(headers: IncomingHeaders): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    redacted[key] = SENSITIVE_HEADERS.has(key) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return redacted;
}
