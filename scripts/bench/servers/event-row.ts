// The webhook_events row the reference pipelines store for a delivery: the columns Hookfleet fills, with
// values worked out the simple way (no payload validation, no sanitising, no source lookup), so that the
// database does the same work per row and the difference left is Hookfleet's own.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PULL_REQUEST_QUEUE } from '../protocol.js';

export interface EventRow {
  id: string;
  provider: 'github';
  hookId: string;
  deliveryId: string;
  eventType: string;
  action: string | null;
  repository: string | null;
  sender: string | null;
  headers: Record<string, string>;
  /** The body as JSON text: Postgres parses it into the jsonb column. */
  payloadText: string;
  payload: Record<string, unknown>;
  rawBody: Buffer;
  bodySha256: string;
  normalized: Record<string, unknown>;
  validation: { valid: true };
  queue: string;
  workflowKey: string | null;
}

interface PullRequestPayload {
  action?: string;
  sender?: { login?: string };
  repository?: { full_name?: string };
  pull_request?: { number?: number; created_at?: string; head?: { ref?: string; sha?: string } };
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return typeof value === 'string' ? value : '';
};

/** Throws on a body that is not JSON (the caller answers 400). */
export function eventRowOf(headers: IncomingHttpHeaders, rawBody: Buffer): EventRow {
  const payloadText = rawBody.toString('utf8');
  const payload = JSON.parse(payloadText) as Record<string, unknown>;
  const { action, sender, repository, pull_request: pr } = payload as PullRequestPayload;
  const deliveryId = header(headers, 'x-github-delivery');
  const eventType = header(headers, 'x-github-event');
  const storedHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') storedHeaders[name] = name === 'x-hub-signature-256' ? '[redacted]' : value;
  }
  const repositoryName = repository?.full_name ?? null;
  return {
    id: randomUUID(),
    provider: 'github',
    hookId: header(headers, 'x-github-hook-id'),
    deliveryId,
    eventType,
    action: action ?? null,
    repository: repositoryName,
    sender: sender?.login ?? null,
    headers: storedHeaders,
    payloadText,
    payload,
    rawBody,
    bodySha256: createHash('sha256').update(rawBody).digest('hex'),
    normalized: {
      eventId: deliveryId,
      provider: 'github',
      eventType,
      action: action ?? null,
      repository: repositoryName,
      actor: sender?.login ?? null,
      occurredAt: pr?.created_at ?? null,
      metadata: { prNumber: pr?.number ?? null, branch: pr?.head?.ref ?? null, commitSha: pr?.head?.sha ?? null },
    },
    validation: { valid: true },
    queue: PULL_REQUEST_QUEUE,
    workflowKey: repositoryName && pr?.number !== undefined ? `github:${repositoryName}#${pr.number}` : null,
  };
}
