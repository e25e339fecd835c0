// Signature, parsing and identity, in a span of their own (webhook.verify); the steps after it run outside
// that span. The provider's functions return a rejection as a value; its code carries its HTTP status.
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '@hookfleet/http';
import { inSpan, type Metrics } from '@hookfleet/observability';
import { decodeUtf8, toStorableJson, type RawDelivery } from '@hookfleet/providers';
import type { SourceResolver } from '@hookfleet/sources';
import { TRACE_SCOPE, sourceLabel, sourceOf, webhookStateOf, type AuthenticatedDelivery } from './context.js';

export interface AuthenticateDeps {
  metrics: Metrics;
  /** Told which configured secret verified a delivery; null: only the built-in source. */
  sources: SourceResolver | null;
  now: () => Date;
}

export function authenticate(deps: AuthenticateDeps): RequestHandler {
  return async (req, res, next) => {
    // A refusal is the sender's error, answered as designed, not the span's failure.
    const delivery = await inSpan(
      TRACE_SCOPE,
      'webhook.verify',
      { expected: (error) => error instanceof AppError && error.status < 500 },
      () => authenticateDelivery(deps, req, res),
    );
    if (!delivery) return;
    webhookStateOf(res).delivery = delivery;
    next();
  };
}

/** The authenticated delivery, or null when the provider's handshake has been answered instead. */
async function authenticateDelivery(
  deps: AuthenticateDeps,
  req: Request,
  res: Response,
): Promise<AuthenticatedDelivery | null> {
  const source = sourceOf(res);
  const body = req.body as Buffer | undefined;
  if (!body || body.length === 0) throw new AppError('empty_body', 'request body is empty');
  const text = decodeUtf8(body);
  if (text === null) throw new AppError('invalid_encoding', 'request body is not valid UTF-8');
  const raw: RawDelivery = {
    headers: req.headers,
    body,
    text,
    contentType: (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
    now: deps.now(),
    requestTarget: req.originalUrl,
  };
  const { provider } = source;
  const verified = await provider.verify(
    raw,
    source.secrets.map((secret) => secret.value),
  );
  if (!verified.ok) throw new AppError(verified.code, verified.message);
  const parsed = provider.parse(raw);
  if (!parsed.ok) throw new AppError(parsed.code, parsed.message);
  // Before anything reads it: ids and names taken from the payload are stored as text too.
  const { sanitized } = toStorableJson(parsed.payload, text);
  const identified = provider.identify(raw, parsed.payload);
  if (!identified.ok) throw new AppError(identified.code, identified.message);

  const matched = source.secrets[verified.secretIndex];
  deps.metrics.secretMatches.inc({
    provider: provider.name,
    source: sourceLabel(source),
    secret: verified.secretIndex === 0 ? 'current' : 'previous',
  });
  if (matched?.id) deps.sources?.markMatched(matched.id);

  const handshake = provider.handshake?.(identified.identity, parsed.payload);
  if (handshake) {
    res.status(handshake.status).json(handshake.body);
    return null;
  }
  return {
    raw,
    payload: parsed.payload,
    payloadSanitized: sanitized,
    identity: identified.identity,
    normalized: provider.normalize(identified.identity, parsed.payload),
    matchedSecretId: matched?.id ?? null,
  };
}
