// Slack requests: v0 signatures over timestamp and body, Events API JSON, interactivity and slash-command forms.
import { FORM_CONTENT_TYPE, parseFormPayloadField } from './form.js';
import { readSingleHeader, SLACK_HEADERS } from './headers.js';
import { findHmacSha256Secret } from './hmac.js';
import { parseJsonObject } from './json.js';
import { firstOf, stringAt, valueAt, withoutNulls } from './payload.js';
import type {
  DeliveryIdentity,
  Handshake,
  IdentifyResult,
  ParseResult,
  Provider,
  RawDelivery,
  Verification,
} from './provider.js';
import { reject } from './rejection.js';
import { isoFromUnixSeconds } from './time.js';

/** Slack's documented replay window, applied both ways (a clock ahead of ours is no more trustworthy). */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** The eventType given to slash commands, whose form bodies carry no `type`. */
export const SLACK_SLASH_COMMAND = 'slash_command';

const SIGNATURE_FORMAT = /^v0=[0-9a-f]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** HMAC-SHA256 over `v0:{timestamp}:{body}`, after the timestamp window; returns the matching secret's index. */
function verifySlack(delivery: RawDelivery, secrets: readonly string[]): Verification {
  const signature = readSingleHeader(delivery.headers, SLACK_HEADERS.signature);
  if (!signature.ok) return signature;
  const timestamp = readSingleHeader(delivery.headers, SLACK_HEADERS.timestamp);
  if (!timestamp.ok) return timestamp;
  if (signature.value === null) return reject('missing_signature', `${SLACK_HEADERS.signature} header is required`);
  if (timestamp.value === null) {
    return reject('missing_headers', `missing required headers: ${SLACK_HEADERS.timestamp}`);
  }
  if (!SIGNATURE_FORMAT.test(signature.value)) {
    return reject('invalid_signature', `${SLACK_HEADERS.signature} is not a v0 signature`);
  }
  // The timestamp is signed material: a malformed one cannot verify.
  if (!UNIX_SECONDS.test(timestamp.value)) {
    return reject('invalid_signature', `${SLACK_HEADERS.timestamp} is not Unix seconds`);
  }
  const skew = Math.floor(delivery.now.getTime() / 1000) - Number(timestamp.value);
  if (Math.abs(skew) > SLACK_TIMESTAMP_TOLERANCE_SECONDS) {
    return reject(
      'timestamp_out_of_range',
      `${SLACK_HEADERS.timestamp} is more than ${SLACK_TIMESTAMP_TOLERANCE_SECONDS} s from now`,
    );
  }
  const index = findHmacSha256Secret(
    secrets,
    `v0:${timestamp.value}:${delivery.text}`,
    signature.value.slice('v0='.length),
  );
  return index === -1
    ? reject('invalid_signature', `${SLACK_HEADERS.signature} does not match the body`)
    : { ok: true, secretIndex: index };
}

/**
 * JSON (Events API); a form whose `payload` field holds JSON (interactivity); or a plain form (slash
 * commands), kept as its string fields.
 */
function parseSlack(delivery: RawDelivery): ParseResult {
  if (delivery.contentType !== FORM_CONTENT_TYPE) return parseJsonObject(delivery.text);
  const form = new URLSearchParams(delivery.text);
  if (form.has('payload')) return parseFormPayloadField(form);
  if (!form.has('command')) return reject('invalid_payload', 'form body has neither a payload nor a command field');
  const fields: Record<string, unknown> = {};
  for (const [key, value] of form) {
    // Checked before assigning: `fields.__proto__ = value` would be a prototype write, not a field.
    if (key === '__proto__') return reject('invalid_payload', 'form body has forbidden key __proto__');
    if (Object.hasOwn(fields, key)) return reject('invalid_payload', `form field ${key} appears more than once`);
    fields[key] = value;
  }
  return { ok: true, payload: fields };
}

/**
 * Dedupe keys, all fixed when Slack first sends and reused by its retries:
 * - event_callback: event_id (Slack's own dedupe key; retries carry it unchanged).
 * - interactivity and slash commands: trigger_id (one per user interaction), else the action's action_ts.
 *   Slack does not retry these, so the key mainly guards against our own double receipt.
 * - url_verification: the challenge (answered, never stored).
 * Not timestamp + body hash: each retry is re-signed with a new X-Slack-Request-Timestamp, so that key
 * would differ per attempt and let every retry through.
 */
function identifySlack(delivery: RawDelivery, payload: Record<string, unknown>): IdentifyResult {
  const retryNum = readSingleHeader(delivery.headers, SLACK_HEADERS.retryNum);
  if (!retryNum.ok) return retryNum;
  const base = {
    hookId: stringAt(payload, 'api_app_id') ?? '',
    isRetry: retryNum.value !== null && retryNum.value !== '0',
  };
  const type = stringAt(payload, 'type');

  if (type === 'event_callback') {
    const eventType = stringAt(payload, 'event', 'type');
    const eventId = stringAt(payload, 'event_id');
    if (eventType === null) return reject('invalid_payload', 'event_callback has no event.type');
    if (eventId === null) return reject('invalid_payload', 'event_callback has no event_id');
    return {
      ok: true,
      identity: { ...base, eventType, action: stringAt(payload, 'event', 'subtype'), deliveryId: eventId },
    };
  }
  if (type === 'url_verification') {
    const challenge = stringAt(payload, 'challenge');
    if (challenge === null) return reject('invalid_payload', 'url_verification has no challenge');
    return { ok: true, identity: { ...base, eventType: type, action: null, deliveryId: challenge } };
  }

  const command = type === null ? stringAt(payload, 'command') : null;
  const eventType = type ?? (command === null ? null : SLACK_SLASH_COMMAND);
  if (eventType === null) return reject('invalid_payload', 'payload has no type');
  const deliveryId = firstOf(
    stringAt(payload, 'trigger_id'),
    stringAt(payload, 'actions', 0, 'action_ts'),
    stringAt(payload, 'action_ts'),
  );
  if (deliveryId === null) {
    return reject('unsupported_event', `Slack payload of type ${eventType} carries no trigger_id or action_ts`);
  }
  const action = firstOf(
    command,
    stringAt(payload, 'actions', 0, 'action_id'),
    stringAt(payload, 'view', 'callback_id'),
    stringAt(payload, 'callback_id'),
  );
  return { ok: true, identity: { ...base, eventType, action, deliveryId } };
}

/** url_verification must be answered with its challenge; Slack stores nothing from it. */
function slackHandshake(identity: DeliveryIdentity, payload: Record<string, unknown>): Handshake | null {
  if (identity.eventType !== 'url_verification') return null;
  return { status: 200, body: { challenge: stringAt(payload, 'challenge') } };
}

/** Slack as a Provider. isRetry: X-Slack-Retry-Num is present and not 0 (Slack sends 1, 2, 3 on retries). */
export const slackProvider: Provider = {
  name: 'slack',
  verify: verifySlack,
  parse: parseSlack,
  identify: identifySlack,
  handshake: slackHandshake,

  normalize(identity, payload) {
    const event = valueAt(payload, 'event');
    return {
      eventId: identity.deliveryId,
      provider: 'slack',
      eventType: identity.eventType,
      action: identity.action,
      repository: firstOf(stringAt(payload, 'team_id'), stringAt(payload, 'team', 'id')),
      actor: firstOf(
        stringAt(event, 'user'),
        stringAt(event, 'user', 'id'), // user_change and similar carry the whole user
        stringAt(payload, 'user', 'id'),
        stringAt(payload, 'user_id'),
      ),
      occurredAt:
        isoFromUnixSeconds(valueAt(payload, 'event_time')) ??
        isoFromUnixSeconds(valueAt(payload, 'actions', 0, 'action_ts')) ??
        isoFromUnixSeconds(valueAt(payload, 'action_ts')),
      metadata: withoutNulls({
        apiAppId: stringAt(payload, 'api_app_id'),
        channel: firstOf(
          stringAt(event, 'channel'),
          stringAt(payload, 'channel', 'id'),
          stringAt(payload, 'channel_id'),
        ),
        ts: stringAt(event, 'ts'),
        threadTs: stringAt(event, 'thread_ts'),
        triggerId: stringAt(payload, 'trigger_id'),
        command: stringAt(payload, 'command'),
        callbackId: firstOf(stringAt(payload, 'view', 'callback_id'), stringAt(payload, 'callback_id')),
      }),
    };
  },
};
