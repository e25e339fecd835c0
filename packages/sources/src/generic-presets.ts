// Presets for generic sources: each names a sender's signing scheme and where its delivery id and event
// type are, as generic settings (see generic-settings.ts). A source saved with a preset stores the
// expansion (with the preset's name beside it), so what the ingress verifies is what the source shows, and
// a later change to a preset here never changes how an existing source is verified.
import { GITHUB_HEADERS, STANDARD_WEBHOOK_HEADERS } from '@hookfleet/providers';

const hmacSha256Hex = { type: 'hmac', algorithm: 'sha256', encoding: 'hex', signedContent: '{body}' } as const;

export const GENERIC_PRESETS = {
  /** Stripe-Signature: "t=<unix>,v1=<hex HMAC-SHA256 of '{t}.{body}'>"; the whsec_ secret is the key as text. */
  stripe: {
    auth: {
      ...hmacSha256Hex,
      header: 'stripe-signature',
      format: 'key-value',
      signatureKey: 'v1',
      timestampKey: 't',
      signedContent: '{timestamp}.{body}',
      toleranceSeconds: 300,
    },
    // Stripe retries an event with the same id; the event type is its "type".
    identity: { deliveryId: [{ pointer: '/id' }], eventType: [{ pointer: '/type' }] },
  },
  /** X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body with the app's client secret. */
  shopify: {
    auth: {
      type: 'hmac',
      algorithm: 'sha256',
      encoding: 'base64',
      header: 'x-shopify-hmac-sha256',
      signedContent: '{body}',
    },
    identity: {
      deliveryId: [{ header: 'x-shopify-webhook-id' }, { header: 'x-shopify-event-id' }],
      eventType: [{ header: 'x-shopify-topic' }],
    },
  },
  /** Jira Cloud webhooks with a secret: X-Hub-Signature "sha256=<hex>" over the body. */
  jira: {
    auth: { ...hmacSha256Hex, header: 'x-hub-signature', prefix: 'sha256=' },
    identity: {
      deliveryId: [{ header: 'x-atlassian-webhook-identifier' }],
      eventType: [{ pointer: '/webhookEvent' }],
      action: [{ pointer: '/issue_event_type_name' }],
    },
  },
  /** Sentry integrations: Sentry-Hook-Signature, hex HMAC-SHA256 of the body with the client secret. */
  sentry: {
    // Sentry-Hook-Timestamp is not signed, so checking it would stop no replay: no timestamp here.
    auth: { ...hmacSha256Hex, header: 'sentry-hook-signature' },
    identity: {
      deliveryId: [{ header: 'request-id' }],
      eventType: [{ header: 'sentry-hook-resource' }],
      action: [{ pointer: '/action' }],
    },
  },
  /**
   * X-Twilio-Signature: base64 HMAC-SHA1 (auth token) of the URL Twilio called followed by the form fields
   * sorted by name. The source must say its public URL base (auth.publicBaseUrl): the ingress cannot know
   * what a proxy in front of it was called.
   */
  twilio: {
    auth: {
      type: 'hmac',
      algorithm: 'sha1',
      encoding: 'base64',
      header: 'x-twilio-signature',
      signedContent: '{url}{form}',
    },
    identity: {
      deliveryId: [{ header: 'i-twilio-idempotency-token' }],
      eventType: [
        { pointer: '/MessageStatus' },
        { pointer: '/SmsStatus' },
        { pointer: '/CallStatus' },
        { value: 'twilio.request' },
      ],
    },
  },
  /** Svix: svix-id, svix-timestamp and svix-signature "v1,<base64>" over "{id}.{timestamp}.{body}", whsec_ key. */
  svix: {
    auth: {
      type: 'hmac',
      algorithm: 'sha256',
      encoding: 'base64',
      header: 'svix-signature',
      format: 'versioned-list',
      signatureKey: 'v1',
      signedContent: '{id}.{timestamp}.{body}',
      idHeader: 'svix-id',
      timestampHeader: 'svix-timestamp',
      toleranceSeconds: 300,
      secretEncoding: 'whsec',
    },
    identity: { deliveryId: [{ header: 'svix-id' }], eventType: [{ pointer: '/type' }] },
  },
  /** Standard Webhooks: Svix's scheme under webhook-* header names. */
  'standard-webhooks': {
    auth: {
      type: 'hmac',
      algorithm: 'sha256',
      encoding: 'base64',
      header: STANDARD_WEBHOOK_HEADERS.signature,
      format: 'versioned-list',
      signatureKey: 'v1',
      signedContent: '{id}.{timestamp}.{body}',
      idHeader: STANDARD_WEBHOOK_HEADERS.id,
      timestampHeader: STANDARD_WEBHOOK_HEADERS.timestamp,
      toleranceSeconds: 300,
      secretEncoding: 'whsec',
    },
    identity: { deliveryId: [{ header: STANDARD_WEBHOOK_HEADERS.id }], eventType: [{ pointer: '/type' }] },
  },
  /** Senders that copy GitHub (Gitea, Forgejo, in-house tools): X-Hub-Signature-256 "sha256=<hex>". */
  'github-compatible': {
    auth: { ...hmacSha256Hex, header: GITHUB_HEADERS.signature256, prefix: 'sha256=' },
    identity: {
      deliveryId: [{ header: GITHUB_HEADERS.delivery }],
      eventType: [{ header: GITHUB_HEADERS.event }],
      action: [{ pointer: '/action' }],
    },
  },
} as const;

export type GenericPresetName = keyof typeof GENERIC_PRESETS;
export const GENERIC_PRESET_NAMES = Object.keys(GENERIC_PRESETS) as [GenericPresetName, ...GenericPresetName[]];
