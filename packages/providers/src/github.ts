// GitHub deliveries: signature check over the raw body, then the fields Hookfleet stores.
import { verify } from '@octokit/webhooks-methods';
import { GITHUB_HEADERS, type IncomingHeaders } from './headers.js';

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing_signature' | 'invalid_signature' };

const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/;

/**
 * Verifies X-Hub-Signature-256 (timing-safe HMAC-SHA256, by @octokit/webhooks-methods). The body must be
 * the exact text GitHub sent; decode it with `decodeUtf8` first, which is lossless for valid UTF-8.
 */
export async function verifyGithubSignature(
  secret: string,
  body: string,
  signature: string | undefined,
): Promise<VerifyResult> {
  if (!signature) return { ok: false, reason: 'missing_signature' };
  if (!SIGNATURE_FORMAT.test(signature)) return { ok: false, reason: 'invalid_signature' };
  return (await verify(secret, body, signature)) ? { ok: true } : { ok: false, reason: 'invalid_signature' };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, or null when it is not valid UTF-8 (GitHub always sends UTF-8). */
export function decodeUtf8(body: Uint8Array): string | null {
  try {
    return strictUtf8.decode(body);
  } catch {
    return null;
  }
}

export interface GithubDeliveryHeaders {
  event: string;
  deliveryId: string;
  hookId: string;
}

export type HeaderResult = { ok: true; headers: GithubDeliveryHeaders } | { ok: false; missing: string[] };

/** X-GitHub-Event and X-GitHub-Delivery are required; X-GitHub-Hook-ID is optional ('' when absent). */
export function readGithubHeaders(headers: IncomingHeaders): HeaderResult {
  const event = single(headers[GITHUB_HEADERS.event]);
  const deliveryId = single(headers[GITHUB_HEADERS.delivery]);
  const missing = [...(event ? [] : ['X-GitHub-Event']), ...(deliveryId ? [] : ['X-GitHub-Delivery'])];
  if (!event || !deliveryId) return { ok: false, missing };
  return { ok: true, headers: { event, deliveryId, hookId: single(headers[GITHUB_HEADERS.hookId]) ?? '' } };
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

export type PayloadResult = { ok: true; payload: Record<string, unknown> } | { ok: false; reason: string };

/**
 * GitHub sends JSON, or application/x-www-form-urlencoded with the JSON in a `payload` field. The payload
 * must be a JSON object.
 */
export function parseGithubPayload(body: string, form: boolean): PayloadResult {
  let json = body;
  if (form) {
    const field = new URLSearchParams(body).get('payload');
    if (field === null) return { ok: false, reason: 'form body has no payload field' };
    json = field;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'payload must be a JSON object' };
  }
  return { ok: true, payload: parsed as Record<string, unknown> };
}

export interface GithubEventSummary {
  action: string | null;
  repository: string | null;
  sender: string | null;
}

/** The searchable fields every GitHub payload may carry. */
export function summarizeGithubPayload(payload: Record<string, unknown>): GithubEventSummary {
  const repository = payload.repository as { full_name?: unknown } | undefined;
  const sender = payload.sender as { login?: unknown } | undefined;
  return {
    action: typeof payload.action === 'string' ? payload.action : null,
    repository: typeof repository?.full_name === 'string' ? repository.full_name : null,
    sender: typeof sender?.login === 'string' ? sender.login : null,
  };
}
