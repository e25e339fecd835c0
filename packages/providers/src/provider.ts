// What every webhook sender looks like to the ingress. A provider is a set of pure functions over the raw
// request: the ingress runs verify -> parse -> identify -> normalize and stores the result; nothing here
// touches a database, a queue or the network.
import { createHash } from 'node:crypto';
import type { IncomingHeaders } from './headers.js';

/** 'generic' is the one provider configured per source (its settings say how to verify and identify). */
export const PROVIDER_NAMES = ['github', 'gitlab', 'slack', 'linear', 'standard', 'generic'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A request as the ingress received it, after the size and content-type checks. */
export interface RawDelivery {
  /** Node's lower-cased header names. */
  headers: IncomingHeaders;
  /** The exact bytes sent: signatures cover these. */
  body: Uint8Array;
  /** `body` decoded as strict UTF-8 (lossless, so verifying `text` is verifying `body`). */
  text: string;
  /** Media type without parameters, e.g. 'application/json'. */
  contentType: string;
  /** The ingress clock, for timestamp windows (injected so tests can move it). */
  now: Date;
  /** Path and query as requested (e.g. "/webhooks/generic/<id>?a=1"), for schemes that sign the URL. */
  requestTarget?: string;
}

/** Why a request is refused; each maps to one HTTP status in the ingress. */
export type RejectionCode =
  | 'missing_signature' // 401
  | 'invalid_signature' // 401
  | 'timestamp_out_of_range' // 401 (replay window)
  | 'missing_headers' // 400
  | 'duplicated_header' // 400: a header that must appear once appears more than once
  | 'invalid_payload' // 400
  | 'unsupported_event' // 400
  | 'missing_delivery_id' // 400: a configured source found no delivery id where its settings say
  | 'missing_event_type'; // 400: likewise for the event type

export interface Rejection {
  ok: false;
  code: RejectionCode;
  /** Safe to return to the caller and to log: never contains a secret or a signature. */
  message: string;
}

/** `secretIndex`: which of the candidate secrets matched (0 = current; higher = older, still accepted). */
export type Verification = { ok: true; secretIndex: number } | Rejection;

export type ParseResult = { ok: true; payload: Record<string, unknown> } | Rejection;

export interface DeliveryIdentity {
  eventType: string;
  action: string | null;
  /** The sender's id for this delivery: the dedupe key within its namespace. */
  deliveryId: string;
  /** Namespace of deliveryId within a source, e.g. GitHub's hook id; '' when the sender has none. */
  hookId: string;
  /** The sender marks this as a retry of an earlier attempt (e.g. X-Slack-Retry-Num). */
  isRetry: boolean;
}

export type IdentifyResult = { ok: true; identity: DeliveryIdentity } | Rejection;

/** One shape for every provider: the worker and the admin API never branch on raw formats. */
export interface NormalizedEvent {
  /** The provider's own id for the event when it has one, else the delivery id. */
  eventId: string;
  provider: ProviderName;
  eventType: string;
  action: string | null;
  /** "owner/name" for code hosts; the team or project key for Linear; the team/workspace id for Slack. */
  repository: string | null;
  /** Login, username or id of who caused the event. */
  actor: string | null;
  /** When the sender says the event happened (ISO 8601), null when it does not say. */
  occurredAt: string | null;
  /** Provider-specific identifiers worth searching: PR/MR number, branch, commit SHA, issue identifier... */
  metadata: Record<string, unknown>;
}

/** An answer the provider's protocol demands instead of storing (Slack's url_verification). */
export interface Handshake {
  status: number;
  body: unknown;
}

export interface Provider {
  name: ProviderName;
  /** Checks authenticity (and freshness, where the protocol has a timestamp) against candidate secrets. */
  verify(delivery: RawDelivery, secrets: readonly string[]): Verification | Promise<Verification>;
  /** The payload object, from JSON or the provider's form encoding, parsed without prototype pollution. */
  parse(delivery: RawDelivery): ParseResult;
  identify(delivery: RawDelivery, payload: Record<string, unknown>): IdentifyResult;
  normalize(identity: DeliveryIdentity, payload: Record<string, unknown>): NormalizedEvent;
  handshake?(identity: DeliveryIdentity, payload: Record<string, unknown>): Handshake | null;
  /**
   * What a redelivery of this delivery repeats, hashed (SHA-256, hex): a delivery id seen again with a
   * different digest is a conflict, with the same one a duplicate. Absent: the body's own SHA-256, for
   * senders that resend the same bytes; a sender that restamps its retries leaves the stamp out.
   */
  redeliveryDigest?(delivery: RawDelivery, payload: Record<string, unknown>): string;
}

/** The digest a delivery's redeliveries are compared by (see Provider.redeliveryDigest). */
export function redeliveryDigestOf(
  provider: Provider,
  delivery: RawDelivery,
  payload: Record<string, unknown>,
): string {
  return provider.redeliveryDigest?.(delivery, payload) ?? createHash('sha256').update(delivery.body).digest('hex');
}
