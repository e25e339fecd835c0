// GitLab deliveries: a shared-secret token (GitLab does not sign bodies), the event kind from the payload.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GITLAB_HEADERS, readSingleHeader } from './headers.js';
import { parseJsonObject } from './json.js';
import { firstOf, idAt, stringAt, valueAt, withoutNulls } from './payload.js';
import type { Provider } from './provider.js';
import { reject } from './rejection.js';
import { isoFromDateText } from './time.js';

/**
 * The index of the secret equal to `token`, or -1. Both sides are hashed first so timingSafeEqual always
 * compares 32 bytes: neither the secret's length nor a matching prefix shows in the timing.
 */
export function findGitlabTokenSecret(secrets: readonly string[], token: string): number {
  const offered = createHash('sha256').update(token).digest();
  return secrets.findIndex(
    (secret) => secret !== '' && timingSafeEqual(createHash('sha256').update(secret).digest(), offered),
  );
}

/** "Merge Request Hook" -> "merge_request": the object_kind spelling, for payloads that lack object_kind. */
export function gitlabEventTypeFromHeader(header: string): string {
  return header
    .replace(/ Hook$/, '')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '_');
}

/** When the event happened: the object's last change, a finished pipeline or job, the pushed head commit. */
export function gitlabOccurredAt(payload: Record<string, unknown>): string | null {
  const headSha = stringAt(payload, 'checkout_sha') ?? stringAt(payload, 'after');
  const commits = valueAt(payload, 'commits');
  const headCommit =
    headSha !== null && Array.isArray(commits)
      ? commits.find((commit) => stringAt(commit, 'id') === headSha)
      : undefined;
  const candidates = [
    valueAt(payload, 'object_attributes', 'updated_at'),
    valueAt(payload, 'object_attributes', 'finished_at'),
    valueAt(payload, 'object_attributes', 'created_at'),
    valueAt(payload, 'build_finished_at'),
    valueAt(payload, 'build_started_at'),
    valueAt(headCommit, 'timestamp'),
  ];
  for (const candidate of candidates) {
    const iso = isoFromDateText(candidate);
    if (iso !== null) return iso;
  }
  return null;
}

/** MR and issue iids, ref, checkout SHA, pipeline id and status, for the events that carry them. */
export function gitlabMetadata(payload: Record<string, unknown>): Record<string, unknown> {
  const kind = stringAt(payload, 'object_kind');
  const attributes = valueAt(payload, 'object_attributes');
  return withoutNulls({
    mergeRequestIid: firstOf(
      kind === 'merge_request' ? idAt(attributes, 'iid') : null,
      idAt(payload, 'merge_request', 'iid'), // notes on an MR, MR pipelines
    ),
    issueIid: firstOf(kind === 'issue' ? idAt(attributes, 'iid') : null, idAt(payload, 'issue', 'iid')),
    ref: firstOf(
      stringAt(payload, 'ref'), // push, tag_push, build
      stringAt(attributes, 'source_branch'), // merge_request
      stringAt(attributes, 'ref'), // pipeline
    ),
    targetBranch: stringAt(attributes, 'target_branch'),
    checkoutSha: firstOf(
      stringAt(payload, 'checkout_sha'),
      stringAt(attributes, 'last_commit', 'id'),
      kind === 'pipeline' ? stringAt(attributes, 'sha') : null,
      stringAt(payload, 'sha'), // build
    ),
    pipelineId: firstOf(kind === 'pipeline' ? idAt(attributes, 'id') : null, idAt(payload, 'pipeline_id')),
    pipelineStatus: kind === 'pipeline' ? stringAt(attributes, 'status') : null,
    jobStatus: stringAt(payload, 'build_status'),
  });
}

/**
 * GitLab as a Provider. Dedupe on Idempotency-Key, which GitLab keeps across retries and manual resends
 * (17.4+); before that, X-Gitlab-Event-UUID, which is unique per hook execution but NOT kept by a resend, so
 * on older GitLab a resend is stored again. GitLab sends no hook id (X-Gitlab-Webhook-UUID is a fresh random
 * value per request despite its name), so hookId is '' and both keys are UUIDs, unique on their own. GitLab
 * marks no retries: isRetry is always false.
 */
export const gitlabProvider: Provider = {
  name: 'gitlab',

  verify(delivery, secrets) {
    // Free-form secret: a comma in it proves nothing about repetition.
    const token = readSingleHeader(delivery.headers, GITLAB_HEADERS.token, { joinedBy: null });
    if (!token.ok) return token;
    if (token.value === null) return reject('missing_signature', `${GITLAB_HEADERS.token} header is required`);
    const index = findGitlabTokenSecret(secrets, token.value);
    return index === -1
      ? reject('invalid_signature', `${GITLAB_HEADERS.token} does not match`)
      : { ok: true, secretIndex: index };
  },

  parse(delivery) {
    return parseJsonObject(delivery.text);
  },

  identify(delivery, payload) {
    const event = readSingleHeader(delivery.headers, GITLAB_HEADERS.event);
    if (!event.ok) return event;
    const idempotencyKey = readSingleHeader(delivery.headers, GITLAB_HEADERS.idempotencyKey);
    if (!idempotencyKey.ok) return idempotencyKey;
    const eventUuid = readSingleHeader(delivery.headers, GITLAB_HEADERS.eventUuid);
    if (!eventUuid.ok) return eventUuid;

    const deliveryId = idempotencyKey.value ?? eventUuid.value;
    if (deliveryId === null) {
      return reject(
        'missing_headers',
        `missing required headers: ${GITLAB_HEADERS.idempotencyKey} or ${GITLAB_HEADERS.eventUuid}`,
      );
    }
    // System hooks name some events only in event_name.
    const eventType = firstOf(
      stringAt(payload, 'object_kind'),
      stringAt(payload, 'event_name'),
      event.value === null ? null : gitlabEventTypeFromHeader(event.value),
    );
    if (eventType === null) {
      return reject('invalid_payload', `payload has no object_kind and ${GITLAB_HEADERS.event} is missing`);
    }
    return {
      ok: true,
      identity: {
        eventType,
        action: stringAt(payload, 'object_attributes', 'action'),
        deliveryId,
        hookId: '',
        isRetry: false,
      },
    };
  },

  normalize(identity, payload) {
    return {
      eventId: identity.deliveryId,
      provider: 'gitlab',
      eventType: identity.eventType,
      action: identity.action,
      repository: stringAt(payload, 'project', 'path_with_namespace'),
      actor: stringAt(payload, 'user', 'username') ?? stringAt(payload, 'user_username'),
      occurredAt: gitlabOccurredAt(payload),
      metadata: gitlabMetadata(payload),
    };
  },
};
