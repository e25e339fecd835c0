// Standard Webhooks (Svix and the senders built on it): signatures over "{id}.{timestamp}.{body}".
import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { readSingleHeader, STANDARD_WEBHOOK_HEADERS } from './headers.js';
import { parseJsonObject } from './json.js';
import { stringAt, valueAt } from './payload.js';
import type { Provider, RawDelivery, Verification } from './provider.js';
import { reject } from './rejection.js';
import { isoFromDateText } from './time.js';

/** The spec's (and the library's) replay window, applied both ways. */
export const STANDARD_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const UNIX_SECONDS = /^\d{1,12}$/;
const VERSION_PREFIX = 'v1,';

/**
 * Freshness is judged here against delivery.now; the signature is computed by the library's `sign` (secret
 * decoding, the signed content, HMAC, base64) and compared here. Not the library's `verify`: it judges the
 * timestamp against Date.now(), a second clock that tests cannot move and the ingress does not inject.
 */
function verifyStandardWebhook(delivery: RawDelivery, secrets: readonly string[]): Verification {
  const id = readSingleHeader(delivery.headers, STANDARD_WEBHOOK_HEADERS.id);
  if (!id.ok) return id;
  const timestamp = readSingleHeader(delivery.headers, STANDARD_WEBHOOK_HEADERS.timestamp);
  if (!timestamp.ok) return timestamp;
  // A space-separated list of "v1,<base64>": only ", " betrays a repeated header.
  const signature = readSingleHeader(delivery.headers, STANDARD_WEBHOOK_HEADERS.signature, { joinedBy: ', ' });
  if (!signature.ok) return signature;
  if (signature.value === null) {
    return reject('missing_signature', `${STANDARD_WEBHOOK_HEADERS.signature} header is required`);
  }
  if (id.value === null || timestamp.value === null) {
    const missing = [
      ...(id.value === null ? [STANDARD_WEBHOOK_HEADERS.id] : []),
      ...(timestamp.value === null ? [STANDARD_WEBHOOK_HEADERS.timestamp] : []),
    ];
    return reject('missing_headers', `missing required headers: ${missing.join(', ')}`);
  }
  if (!UNIX_SECONDS.test(timestamp.value)) {
    return reject('invalid_signature', `${STANDARD_WEBHOOK_HEADERS.timestamp} is not Unix seconds`);
  }
  const seconds = Number(timestamp.value);
  if (Math.abs(Math.floor(delivery.now.getTime() / 1000) - seconds) > STANDARD_WEBHOOK_TOLERANCE_SECONDS) {
    return reject(
      'timestamp_out_of_range',
      `${STANDARD_WEBHOOK_HEADERS.timestamp} is more than ${STANDARD_WEBHOOK_TOLERANCE_SECONDS} s from now`,
    );
  }

  // Other versions (v1a, asymmetric) are skipped, as the library does.
  const offered = signature.value
    .split(' ')
    .filter((entry) => entry.startsWith(VERSION_PREFIX))
    .map((entry) => Buffer.from(entry.slice(VERSION_PREFIX.length)));
  for (const [index, secret] of secrets.entries()) {
    const expected = Buffer.from(
      signWith(secret, index, id.value, seconds, delivery.text).slice(VERSION_PREFIX.length),
    );
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
      return { ok: true, secretIndex: index };
    }
  }
  return reject('invalid_signature', `${STANDARD_WEBHOOK_HEADERS.signature} does not match the body`);
}

function signWith(secret: string, index: number, id: string, seconds: number, text: string): string {
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    // A configuration error, not the sender's: let the ingress answer 500. Never echo the secret.
    throw new Error(`Standard Webhooks secret #${index} is not a whsec_ base64 key`);
  }
  return webhook.sign(id, new Date(seconds * 1000), text);
}

/** Standard Webhooks as a Provider. Dedupe on webhook-id, which the spec keeps across retries; no hook id. */
export const standardWebhooksProvider: Provider = {
  name: 'standard',
  verify: verifyStandardWebhook,

  parse(delivery) {
    return parseJsonObject(delivery.text);
  },

  identify(delivery, payload) {
    const id = readSingleHeader(delivery.headers, STANDARD_WEBHOOK_HEADERS.id);
    if (!id.ok) return id;
    if (id.value === null) return reject('missing_headers', `missing required headers: ${STANDARD_WEBHOOK_HEADERS.id}`);
    const eventType = stringAt(payload, 'type');
    if (eventType === null) return reject('invalid_payload', 'payload has no type');
    // The spec has no retry marker; a retry is recognised by its unchanged webhook-id.
    return { ok: true, identity: { eventType, action: null, deliveryId: id.value, hookId: '', isRetry: false } };
  },

  normalize(identity, payload) {
    return {
      eventId: identity.deliveryId,
      provider: 'standard',
      eventType: identity.eventType,
      action: identity.action,
      repository: null,
      actor: null,
      occurredAt: isoFromDateText(valueAt(payload, 'timestamp')),
      metadata: {},
    };
  },
};
