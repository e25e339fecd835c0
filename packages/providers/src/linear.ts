// Linear deliveries: HMAC-SHA256 of the body, freshness from the signed body's own webhookTimestamp.
import { createHash } from 'node:crypto';
import { findHmacSha256Secret } from './hmac.js';
import { LINEAR_HEADERS, readSingleHeader } from './headers.js';
import { parseJsonObject } from './json.js';
import { firstOf, numberAt, stringAt, valueAt, withoutNulls } from './payload.js';
import type { Provider } from './provider.js';
import { reject } from './rejection.js';
import { isoFromDateText } from './time.js';

/** Linear's documented window for webhookTimestamp, applied both ways. */
export const LINEAR_TIMESTAMP_TOLERANCE_MS = 60_000;

const SIGNATURE_FORMAT = /^[0-9a-f]{64}$/i;

/**
 * The dedupe key when Linear-Delivery is absent: everything that identifies the change and stays fixed
 * across retries (only webhookTimestamp changes). createdAt alone could collide for two changes in one
 * millisecond, so the entity type, action and id are part of it; webhookId is the hookId namespace.
 */
export function linearFallbackDeliveryId(payload: Record<string, unknown>): string | null {
  const createdAt = stringAt(payload, 'createdAt');
  if (createdAt === null) return null;
  const parts = [stringAt(payload, 'type'), stringAt(payload, 'action'), stringAt(payload, 'data', 'id')];
  return `${parts.map((part) => part ?? '').join(':')}@${createdAt}`;
}

/**
 * Linear as a Provider. Dedupe on the Linear-Delivery header, else linearFallbackDeliveryId; hookId is the
 * payload's webhookId. Linear marks no retries, so isRetry is always false.
 */
export const linearProvider: Provider = {
  name: 'linear',

  verify(delivery, secrets) {
    const signature = readSingleHeader(delivery.headers, LINEAR_HEADERS.signature);
    if (!signature.ok) return signature;
    if (signature.value === null) return reject('missing_signature', `${LINEAR_HEADERS.signature} header is required`);
    if (!SIGNATURE_FORMAT.test(signature.value)) {
      return reject('invalid_signature', `${LINEAR_HEADERS.signature} is not a hex HMAC-SHA256`);
    }
    const index = findHmacSha256Secret(secrets, delivery.text, signature.value);
    if (index === -1) return reject('invalid_signature', `${LINEAR_HEADERS.signature} does not match the body`);

    // Only an authentic body is worth parsing for its timestamp, and only the signed copy of it counts.
    const parsed = parseJsonObject(delivery.text);
    if (!parsed.ok) return parsed;
    const sentAt = numberAt(parsed.payload, 'webhookTimestamp');
    if (sentAt === null) return reject('invalid_payload', 'payload has no numeric webhookTimestamp');
    if (Math.abs(delivery.now.getTime() - sentAt) > LINEAR_TIMESTAMP_TOLERANCE_MS) {
      return reject(
        'timestamp_out_of_range',
        `webhookTimestamp is more than ${LINEAR_TIMESTAMP_TOLERANCE_MS} ms from now`,
      );
    }
    return { ok: true, secretIndex: index };
  },

  parse(delivery) {
    return parseJsonObject(delivery.text);
  },

  identify(delivery, payload) {
    const header = readSingleHeader(delivery.headers, LINEAR_HEADERS.delivery);
    if (!header.ok) return header;
    const eventType = stringAt(payload, 'type');
    if (eventType === null) return reject('invalid_payload', 'payload has no type');
    const deliveryId = header.value ?? linearFallbackDeliveryId(payload);
    if (deliveryId === null) {
      return reject('missing_headers', `missing required headers: ${LINEAR_HEADERS.delivery} (and no createdAt)`);
    }
    return {
      ok: true,
      identity: {
        eventType,
        action: stringAt(payload, 'action'),
        deliveryId,
        hookId: stringAt(payload, 'webhookId') ?? '',
        isRetry: false,
      },
    };
  },

  // Linear signs a fresh webhookTimestamp into the body of each retry (it must be within a minute of the
  // receiver's clock), so a retry's bytes differ: everything but that stamp is what it repeats.
  redeliveryDigest(_delivery, payload) {
    const { webhookTimestamp: _stamp, ...repeated } = payload;
    return createHash('sha256').update(JSON.stringify(repeated)).digest('hex');
  },

  normalize(identity, payload) {
    const data = valueAt(payload, 'data');
    return {
      eventId: identity.deliveryId,
      provider: 'linear',
      eventType: identity.eventType,
      action: identity.action,
      repository: firstOf(stringAt(data, 'team', 'key'), stringAt(data, 'team', 'id'), stringAt(data, 'teamId')),
      // The display name reads best in the admin UI; the id (kept in metadata) is the stable one.
      actor: firstOf(stringAt(payload, 'actor', 'name'), stringAt(payload, 'actor', 'id')),
      occurredAt: isoFromDateText(valueAt(payload, 'createdAt')),
      metadata: withoutNulls({
        identifier: firstOf(stringAt(data, 'identifier'), stringAt(data, 'issue', 'identifier')),
        url: firstOf(stringAt(payload, 'url'), stringAt(data, 'url')),
        entityId: stringAt(data, 'id'),
        actorId: stringAt(payload, 'actor', 'id'),
        organizationId: stringAt(payload, 'organizationId'),
      }),
    };
  },
};
