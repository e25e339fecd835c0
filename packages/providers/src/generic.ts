// A provider configured per source instead of written in code: the source's settings say how the sender
// signs (an HMAC over a template of the body, a timestamp, an id, the URL or the form fields; a static
// token; basic auth) and where the delivery id and event type are (a header or a JSON pointer). The
// settings are validated when saved (@hookfleet/sources, generic-settings.ts); here they are trusted.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { FORM_CONTENT_TYPE } from './form.js';
import { readSingleHeader, type IncomingHeaders } from './headers.js';
import { parseJsonObject } from './json.js';
import { parseJsonPointer, valueAtPointer } from './json-pointer.js';
import type { DeliveryIdentity, Provider, RawDelivery, Rejection, Verification } from './provider.js';
import { reject } from './rejection.js';

export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export const SIGNATURE_ENCODINGS = ['hex', 'base64'] as const;
/**
 * How the signature header holds the signature. plain: the value (after `prefix`) is one signature.
 * key-value: "t=1492774577,v1=5257a8...,v1=..." (Stripe): signatures under `signatureKey`, the timestamp
 * under `timestampKey`. versioned-list: "v1,<sig> v1,<sig>" (Svix, Standard Webhooks): entries of version
 * `signatureKey`.
 */
export const SIGNATURE_FORMATS = ['plain', 'key-value', 'versioned-list'] as const;
/** How the secret becomes the HMAC key. whsec: "whsec_" then base64 (Svix, Standard Webhooks). */
export const SECRET_ENCODINGS = ['text', 'hex', 'base64', 'whsec'] as const;
/**
 * What a signed-content template may name. {form}: the form fields sorted by name, each name then its
 * value, nothing between (Twilio). {url}: publicBaseUrl followed by the path and query requested.
 */
export const SIGNED_CONTENT_PLACEHOLDERS = ['body', 'timestamp', 'id', 'url', 'form'] as const;
export type SignedContentPlaceholder = (typeof SIGNED_CONTENT_PLACEHOLDERS)[number];
const PLACEHOLDER = /\{(body|timestamp|id|url|form)\}/g;

export interface GenericHmacAuth {
  type: 'hmac';
  algorithm: (typeof HMAC_ALGORITHMS)[number];
  encoding: (typeof SIGNATURE_ENCODINGS)[number];
  /** Lower-case header name. */
  header: string;
  /** Text before the signature in a plain header, e.g. "sha256=". */
  prefix?: string;
  format: (typeof SIGNATURE_FORMATS)[number];
  signatureKey?: string;
  timestampKey?: string;
  signedContent: string;
  timestampHeader?: string;
  idHeader?: string;
  toleranceSeconds: number;
  secretEncoding: (typeof SECRET_ENCODINGS)[number];
  publicBaseUrl?: string;
}

/** A shared secret sent as it is, in `header` after an optional `prefix` (e.g. "Bearer "). */
export interface GenericTokenAuth {
  type: 'token';
  header: string;
  prefix?: string;
}

/** Authorization: Basic, with this user name and the source's secret as the password. */
export interface GenericBasicAuth {
  type: 'basic';
  username: string;
}

export type GenericAuth = GenericHmacAuth | GenericTokenAuth | GenericBasicAuth;

/** Where a value is: a header, a JSON pointer into the payload, or (event type, action) a fixed value. */
export type FieldLocator = { header: string } | { pointer: string } | { value: string };

/** Each field is read from the first of its locators that has a value. */
export interface GenericIdentity {
  deliveryId: FieldLocator[];
  eventType: FieldLocator[];
  action?: FieldLocator[];
}

export interface GenericSourceConfig {
  /** The preset the settings were expanded from, for people reading them; nothing here depends on it. */
  preset?: string;
  auth: GenericAuth;
  identity: GenericIdentity;
}

/** The placeholders a template names. */
export function placeholdersOf(template: string): Set<string> {
  return new Set([...template.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]!));
}

const UNIX_SECONDS = /^\d{1,12}$/;
const HEX = /^(?:[0-9a-f]{2})+$/i;

/** The HMAC key a secret stands for; null when it is not in the source's encoding. */
function hmacKey(secret: string, encoding: GenericHmacAuth['secretEncoding']): Buffer | null {
  switch (encoding) {
    case 'text':
      return Buffer.from(secret, 'utf8');
    case 'hex':
      if (HEX.test(secret)) return Buffer.from(secret, 'hex');
      break;
    case 'base64':
    case 'whsec': {
      const body = encoding === 'whsec' ? (secret.startsWith('whsec_') ? secret.slice(6) : null) : secret;
      if (body !== null && /^[A-Za-z0-9+/]+={0,2}$/.test(body)) return Buffer.from(body, 'base64');
      break;
    }
  }
  return null;
}

/** Form fields sorted by name (then value), each as name + value: Twilio's signed parameter string. */
export function sortedFormFields(text: string): string {
  return [...new URLSearchParams(text).entries()]
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => name + value)
    .join('');
}

interface OfferedSignature {
  signatures: string[];
  /** From the signature header itself (key-value format), when it carries one. */
  timestamp: string | null;
}

function readOffered(auth: GenericHmacAuth, value: string): OfferedSignature | Rejection {
  switch (auth.format) {
    case 'plain': {
      if (auth.prefix && !value.startsWith(auth.prefix)) {
        return reject('invalid_signature', `${auth.header} does not start with "${auth.prefix}"`);
      }
      return { signatures: [value.slice(auth.prefix?.length ?? 0)], timestamp: null };
    }
    case 'key-value': {
      const signatures: string[] = [];
      let timestamp: string | null = null;
      for (const pair of value.split(',')) {
        const at = pair.indexOf('=');
        if (at === -1) continue;
        const key = pair.slice(0, at).trim();
        const entry = pair.slice(at + 1).trim();
        if (key === auth.signatureKey) signatures.push(entry);
        else if (key === auth.timestampKey && timestamp === null) timestamp = entry;
      }
      return { signatures, timestamp };
    }
    case 'versioned-list': {
      const version = `${auth.signatureKey ?? 'v1'},`;
      const signatures = value
        .split(' ')
        .filter((entry) => entry.startsWith(version))
        .map((entry) => entry.slice(version.length));
      return { signatures, timestamp: null };
    }
  }
}

/** The offered signature as bytes comparable with a digest; hex in any case, base64 exactly as encoded. */
function offeredBytes(signature: string, encoding: GenericHmacAuth['encoding']): Buffer | null {
  if (encoding === 'hex') return HEX.test(signature) ? Buffer.from(signature, 'hex') : null;
  return Buffer.from(signature, 'ascii');
}

function digestBytes(digest: Buffer, encoding: GenericHmacAuth['encoding']): Buffer {
  return encoding === 'hex' ? digest : Buffer.from(digest.toString('base64'), 'ascii');
}

function single(headers: IncomingHeaders, name: string, joinedBy: string | null = ','): Rejection | string | null {
  const read = readSingleHeader(headers, name, { joinedBy });
  return read.ok ? read.value : read;
}

function verifyHmac(auth: GenericHmacAuth, delivery: RawDelivery, secrets: readonly string[]): Verification {
  // Node joins a repeated header with ", ": the list formats hold commas or spaces of their own.
  const header = single(delivery.headers, auth.header, auth.format === 'plain' ? ',' : ', ');
  if (typeof header === 'object' && header !== null) return header;
  if (header === null) return reject('missing_signature', `${auth.header} header is required`);
  const offered = readOffered(auth, header);
  if ('ok' in offered) return offered;
  if (offered.signatures.length === 0) return reject('invalid_signature', `${auth.header} holds no signature`);

  const placeholders = placeholdersOf(auth.signedContent);
  const values: Partial<Record<SignedContentPlaceholder, string>> = { body: delivery.text };

  if (placeholders.has('timestamp')) {
    let timestamp = offered.timestamp;
    if (auth.timestampHeader) {
      const read = single(delivery.headers, auth.timestampHeader);
      if (typeof read === 'object' && read !== null) return read;
      timestamp = read;
    }
    if (timestamp === null) {
      return auth.timestampHeader
        ? reject('missing_headers', `missing required headers: ${auth.timestampHeader}`)
        : reject('invalid_signature', `${auth.header} has no ${auth.timestampKey ?? 'timestamp'}`);
    }
    if (!UNIX_SECONDS.test(timestamp)) return reject('invalid_signature', 'the timestamp is not Unix seconds');
    const skew = Math.abs(Math.floor(delivery.now.getTime() / 1000) - Number(timestamp));
    if (skew > auth.toleranceSeconds) {
      return reject('timestamp_out_of_range', `the timestamp is more than ${auth.toleranceSeconds} s from now`);
    }
    values.timestamp = timestamp;
  }
  if (placeholders.has('id')) {
    const id = auth.idHeader ? single(delivery.headers, auth.idHeader) : null;
    if (typeof id === 'object' && id !== null) return id;
    if (id === null) return reject('missing_headers', `missing required headers: ${auth.idHeader ?? 'id'}`);
    values.id = id;
  }
  if (placeholders.has('url')) {
    values.url = `${(auth.publicBaseUrl ?? '').replace(/\/+$/, '')}${delivery.requestTarget ?? ''}`;
  }
  if (placeholders.has('form')) {
    // Signing the fields of a body that is not a form would leave the body unsigned.
    if (delivery.contentType !== FORM_CONTENT_TYPE) {
      return reject('invalid_payload', `this source signs form fields: Content-Type must be ${FORM_CONTENT_TYPE}`);
    }
    values.form = sortedFormFields(delivery.text);
  }
  const content = auth.signedContent.replace(PLACEHOLDER, (_, name: SignedContentPlaceholder) => values[name] ?? '');

  const candidates = offered.signatures
    .map((signature) => offeredBytes(signature, auth.encoding))
    .filter((bytes): bytes is Buffer => bytes !== null);
  let undecodable = 0;
  for (const [index, secret] of secrets.entries()) {
    if (secret === '') continue;
    const key = hmacKey(secret, auth.secretEncoding);
    // A secret saved under other settings: the others are still tried (saving checks this; a race can slip by).
    if (key === null) {
      undecodable += 1;
      continue;
    }
    const digest = createHmac(auth.algorithm, key).update(content).digest();
    const expected = digestBytes(digest, auth.encoding);
    if (candidates.some((bytes) => bytes.length === expected.length && timingSafeEqual(bytes, expected))) {
      return { ok: true, secretIndex: index };
    }
  }
  // No secret could be tried: the source's configuration is broken, not the request (answered 500).
  if (undecodable > 0 && undecodable === secrets.filter((secret) => secret !== '').length) {
    throw new Error(`no secret of this source is ${auth.secretEncoding}-encoded`);
  }
  return reject('invalid_signature', `${auth.header} does not match the request`);
}

/**
 * The index of the secret equal to `offered`, or -1. Both sides are hashed first so timingSafeEqual always
 * compares 32 bytes: neither the secret's length nor a matching prefix shows in the timing.
 */
function findEqualSecret(candidates: readonly string[], offered: string): number {
  const offeredHash = createHash('sha256').update(offered).digest();
  return candidates.findIndex(
    (candidate) => candidate !== '' && timingSafeEqual(createHash('sha256').update(candidate).digest(), offeredHash),
  );
}

function verifyToken(auth: GenericTokenAuth, delivery: RawDelivery, secrets: readonly string[]): Verification {
  // A free-form secret: a comma in it proves nothing about repetition.
  const header = single(delivery.headers, auth.header, null);
  if (typeof header === 'object' && header !== null) return header;
  if (header === null) return reject('missing_signature', `${auth.header} header is required`);
  const prefix = auth.prefix ?? '';
  // An authentication scheme ("Bearer ") is case-insensitive.
  if (header.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
    return reject('invalid_signature', `${auth.header} does not start with "${prefix}"`);
  }
  const index = findEqualSecret(secrets, header.slice(prefix.length));
  return index === -1 ? reject('invalid_signature', `${auth.header} does not match`) : { ok: true, secretIndex: index };
}

function verifyBasic(auth: GenericBasicAuth, delivery: RawDelivery, secrets: readonly string[]): Verification {
  const header = single(delivery.headers, 'authorization', null);
  if (typeof header === 'object' && header !== null) return header;
  if (header === null) return reject('missing_signature', 'authorization header is required');
  const credentials = /^basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(header)?.[1];
  if (!credentials) return reject('invalid_signature', 'authorization is not Basic credentials');
  const offered = Buffer.from(credentials, 'base64').toString('utf8');
  const index = findEqualSecret(
    secrets.map((secret) => (secret === '' ? '' : `${auth.username}:${secret}`)),
    offered,
  );
  return index === -1 ? reject('invalid_signature', 'authorization does not match') : { ok: true, secretIndex: index };
}

/**
 * Identity values are stored, indexed and used as metric labels: short printable text only. 256 characters
 * hold any sender's id format (UUIDs, ULIDs, "evt_..." ids) and stay well inside Postgres's index row size.
 */
const MAX_IDENTITY_LENGTH = 256;
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A located identity value refused when it is too long or not printable ASCII, with the field named. */
function identityValueError(field: string, value: string): Rejection | null {
  if (value.length > MAX_IDENTITY_LENGTH) {
    return reject('invalid_payload', `the ${field} is longer than ${MAX_IDENTITY_LENGTH} characters`);
  }
  return PRINTABLE.test(value) ? null : reject('invalid_payload', `the ${field} is not printable ASCII text`);
}

/**
 * A header value or payload value as text: non-empty strings, and integers (ids senders send as numbers).
 * A number beyond 2^53 is refused: JSON parsing has already rounded it, so two deliveries could share an id
 * and the second be dropped as a duplicate.
 */
function locate(delivery: RawDelivery, payload: Record<string, unknown>, locators: readonly FieldLocator[]) {
  for (const locator of locators) {
    if ('value' in locator) return locator.value;
    if ('header' in locator) {
      const value = single(delivery.headers, locator.header, null);
      if (typeof value === 'object' && value !== null) return value;
      if (value !== null) return value;
      continue;
    }
    const tokens = parseJsonPointer(locator.pointer);
    const value = tokens === null ? undefined : valueAtPointer(payload, tokens);
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'number') {
      return reject('invalid_payload', `${locator.pointer} is not an integer below 2^53: send it as a string`);
    }
  }
  return null;
}

const describeLocators = (locators: readonly FieldLocator[]) =>
  locators
    .map((locator) =>
      'header' in locator ? `header ${locator.header}` : 'pointer' in locator ? locator.pointer : 'value',
    )
    .join(' or ');

/** A form body as an object of its fields; a repeated field holds its values in order. */
function formFields(text: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    // defineProperty: a field named "__proto__" is an own property like any other.
    const existing = Object.hasOwn(fields, name) ? fields[name] : undefined;
    const next = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    Object.defineProperty(fields, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return fields;
}

/** The provider a generic source's settings describe. */
export function createGenericProvider(config: GenericSourceConfig): Provider {
  const { auth, identity } = config;
  return {
    name: 'generic',

    verify(delivery, secrets) {
      switch (auth.type) {
        case 'hmac':
          return verifyHmac(auth, delivery, secrets);
        case 'token':
          return verifyToken(auth, delivery, secrets);
        case 'basic':
          return verifyBasic(auth, delivery, secrets);
      }
    },

    parse(delivery) {
      return delivery.contentType === FORM_CONTENT_TYPE
        ? { ok: true, payload: formFields(delivery.text) }
        : parseJsonObject(delivery.text);
    },

    identify(delivery, payload) {
      const deliveryId = locate(delivery, payload, identity.deliveryId);
      if (typeof deliveryId === 'object' && deliveryId !== null) return deliveryId;
      if (deliveryId === null) {
        return reject('missing_delivery_id', `no delivery id at ${describeLocators(identity.deliveryId)}`);
      }
      const eventType = locate(delivery, payload, identity.eventType);
      if (typeof eventType === 'object' && eventType !== null) return eventType;
      if (eventType === null)
        return reject('missing_event_type', `no event type at ${describeLocators(identity.eventType)}`);
      const action = identity.action ? locate(delivery, payload, identity.action) : null;
      if (typeof action === 'object' && action !== null) return action;
      const invalid =
        identityValueError('delivery id', deliveryId) ??
        identityValueError('event type', eventType) ??
        (action === null ? null : identityValueError('action', action));
      if (invalid) return invalid;
      const found: DeliveryIdentity = { eventType, action, deliveryId, hookId: '', isRetry: false };
      return { ok: true, identity: found };
    },

    normalize(found) {
      return {
        eventId: found.deliveryId,
        provider: 'generic',
        eventType: found.eventType,
        action: found.action,
        repository: null,
        actor: null,
        occurredAt: null,
        metadata: config.preset ? { preset: config.preset } : {},
      };
    },
  };
}
