// GitHub deliveries: signature check over the raw body, then the fields Hookfleet stores.
import { verify } from '@octokit/webhooks-methods';
import { FORM_CONTENT_TYPE, parseFormPayloadField } from './form.js';
import { GITHUB_HEADERS, readSingleHeader } from './headers.js';
import { parseJsonObject } from './json.js';
import { firstOf, idAt, numberAt, stringAt, valueAt, withoutNulls } from './payload.js';
import type { DeliveryIdentity, NormalizedEvent, ParseResult, Provider } from './provider.js';
import { reject } from './rejection.js';
import { isoFromDateText } from './time.js';

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
  // octokit throws on an empty secret or body; neither can be a genuine signed delivery.
  if (!secret || !body) return { ok: false, reason: 'invalid_signature' };
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

function parseGithubBody(body: string, form: boolean): ParseResult {
  return form ? parseFormPayloadField(new URLSearchParams(body)) : parseJsonObject(body);
}

export interface GithubEventSummary {
  action: string | null;
  repository: string | null;
  sender: string | null;
}

/** The searchable fields every GitHub payload may carry. */
export function summarizeGithubPayload(payload: Record<string, unknown>): GithubEventSummary {
  return {
    action: stringAt(payload, 'action'),
    repository: stringAt(payload, 'repository', 'full_name'),
    sender: stringAt(payload, 'sender', 'login'),
  };
}

// The event's own object comes first: an issue_comment also carries the issue, a pull_request_review the
// pull request, and their updated_at says when the parent last changed, not when this event happened.
const OCCURRED_AT_PATHS: readonly (readonly [string, string])[] = [
  ['review', 'submitted_at'],
  ['comment', 'updated_at'],
  ['check_run', 'completed_at'],
  ['check_run', 'started_at'],
  ['workflow_job', 'completed_at'],
  ['workflow_job', 'started_at'],
  ['workflow_run', 'updated_at'],
  ['check_suite', 'updated_at'],
  ['deployment_status', 'updated_at'],
  ['deployment', 'updated_at'],
  ['release', 'published_at'],
  ['release', 'created_at'],
  ['pull_request', 'updated_at'],
  ['issue', 'updated_at'],
  ['discussion', 'updated_at'],
  ['head_commit', 'timestamp'],
];

/** When the payload says the event happened: the most specific timestamp it carries, else null. */
export function githubOccurredAt(payload: Record<string, unknown>): string | null {
  for (const [object, field] of OCCURRED_AT_PATHS) {
    const iso = isoFromDateText(stringAt(payload, object, field));
    if (iso !== null) return iso;
  }
  return null;
}

/** PR number, ref and branch, head SHA and App installation, for the events that carry them. */
export function githubMetadata(payload: Record<string, unknown>): Record<string, unknown> {
  const ref = stringAt(payload, 'ref'); // push, create, delete
  const issueNumber = numberAt(payload, 'issue', 'number');
  // An issue_comment on a pull request arrives as an issue with a pull_request link.
  const issueIsPullRequest = valueAt(payload, 'issue', 'pull_request') !== undefined;
  return withoutNulls({
    prNumber: firstOf(numberAt(payload, 'pull_request', 'number'), issueIsPullRequest ? issueNumber : null),
    issueNumber: issueIsPullRequest ? null : issueNumber,
    ref,
    branch: firstOf(
      ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
      stringAt(payload, 'pull_request', 'head', 'ref'),
      stringAt(payload, 'workflow_run', 'head_branch'),
      stringAt(payload, 'workflow_job', 'head_branch'),
      stringAt(payload, 'check_run', 'check_suite', 'head_branch'),
      stringAt(payload, 'check_suite', 'head_branch'),
    ),
    headSha: firstOf(
      stringAt(payload, 'pull_request', 'head', 'sha'),
      stringAt(payload, 'head_commit', 'id'),
      stringAt(payload, 'check_run', 'head_sha'),
      stringAt(payload, 'check_suite', 'head_sha'),
      stringAt(payload, 'workflow_run', 'head_sha'),
      stringAt(payload, 'workflow_job', 'head_sha'),
    ),
    installationId: idAt(payload, 'installation', 'id'),
  });
}

/**
 * GitHub as a Provider. No retry marker: GitHub does not retry on its own, and a manual redelivery keeps
 * X-GitHub-Delivery, so the (hook id, delivery id) dedupe catches it. `ping` needs no handshake.
 */
export const githubProvider: Provider = {
  name: 'github',

  async verify(delivery, secrets) {
    const header = readSingleHeader(delivery.headers, GITHUB_HEADERS.signature256);
    if (!header.ok) return header;
    if (header.value === null) return reject('missing_signature', `${GITHUB_HEADERS.signature256} header is required`);
    for (const [index, secret] of secrets.entries()) {
      if ((await verifyGithubSignature(secret, delivery.text, header.value)).ok)
        return { ok: true, secretIndex: index };
    }
    return reject('invalid_signature', `${GITHUB_HEADERS.signature256} does not match the body`);
  },

  parse(delivery) {
    return parseGithubBody(delivery.text, delivery.contentType === FORM_CONTENT_TYPE);
  },

  identify(delivery, payload) {
    const event = readSingleHeader(delivery.headers, GITHUB_HEADERS.event);
    if (!event.ok) return event;
    const deliveryId = readSingleHeader(delivery.headers, GITHUB_HEADERS.delivery);
    if (!deliveryId.ok) return deliveryId;
    const hookId = readSingleHeader(delivery.headers, GITHUB_HEADERS.hookId);
    if (!hookId.ok) return hookId;
    if (event.value === null || deliveryId.value === null) {
      const missing = [
        ...(event.value === null ? [GITHUB_HEADERS.event] : []),
        ...(deliveryId.value === null ? [GITHUB_HEADERS.delivery] : []),
      ];
      return reject('missing_headers', `missing required headers: ${missing.join(', ')}`);
    }
    return {
      ok: true,
      identity: {
        eventType: event.value,
        action: stringAt(payload, 'action'),
        deliveryId: deliveryId.value,
        hookId: hookId.value ?? '',
        isRetry: false,
      },
    };
  },

  normalize(identity: DeliveryIdentity, payload): NormalizedEvent {
    const summary = summarizeGithubPayload(payload);
    return {
      eventId: identity.deliveryId,
      provider: 'github',
      eventType: identity.eventType,
      action: identity.action,
      repository: summary.repository,
      actor: summary.sender,
      occurredAt: githubOccurredAt(payload),
      metadata: githubMetadata(payload),
    };
  },
};
