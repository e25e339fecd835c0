// What the webhook pipeline's steps share: the per-request state each step leaves on res.locals for the
// next ones (the source once resolved, the delivery once authenticated), and the labels they report under.
import type { Response } from 'express';
import type { DeliveryIdentity, NormalizedEvent, Provider, RawDelivery } from '@hookfleet/providers';
import type { SourceSettings } from '@hookfleet/sources';

/** The tracer scope of the ingress's spans. */
export const TRACE_SCOPE = '@hookfleet/ingress';

/** The sender a request claims to come from, with what verifying it takes. */
export interface RequestSource {
  /** Null for the built-in GitHub source. */
  id: string | null;
  name: string;
  provider: Provider;
  /** Active secrets, current first; id null for the env secret. */
  secrets: Array<{ id: string | null; value: string }>;
  settings: SourceSettings;
}

export interface AuthenticatedDelivery {
  raw: RawDelivery;
  payload: Record<string, unknown>;
  /** The payload differs from the body where jsonb could not hold a string (see toStorableJson). */
  payloadSanitized: boolean;
  identity: DeliveryIdentity;
  normalized: NormalizedEvent;
  matchedSecretId: string | null;
}

/** res.locals of a webhook request: set by resolve-source, then by authenticate. */
export interface WebhookState {
  source?: RequestSource;
  delivery?: AuthenticatedDelivery;
}

export const webhookStateOf = (res: Response) => res.locals as WebhookState;

export const sourceOf = (res: Response): RequestSource => {
  const source = webhookStateOf(res).source;
  if (!source) throw new Error('webhook source not resolved');
  return source;
};

export const deliveryOf = (res: Response): AuthenticatedDelivery => {
  const delivery = webhookStateOf(res).delivery;
  if (!delivery) throw new Error('webhook delivery not authenticated');
  return delivery;
};

/** A configured source by its name (unique per provider, bounded by configuration); the GITHUB_WEBHOOK_SECRET one as built-in. */
export const sourceLabel = (source: RequestSource | undefined) =>
  source ? (source.id ? source.name : 'built-in') : 'unknown';
