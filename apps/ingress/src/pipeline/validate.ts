// The payload against its provider's schema and the source's rules. Every verdict is counted and stored with
// the event; only a source set to enforce refuses an invalid payload.
import { AppError } from '@hookfleet/http';
import { inSpan, type Metrics } from '@hookfleet/observability';
import type { DeliveryIdentity } from '@hookfleet/providers';
import type { PayloadValidator, ValidationVerdict } from '@hookfleet/validation';
import { TRACE_SCOPE, type AuthenticatedDelivery, type RequestSource } from './context.js';

/** The verdict, in a span of its own (webhook.validate). */
export function validatePayload(
  validator: PayloadValidator,
  source: RequestSource,
  { identity, payload }: AuthenticatedDelivery,
): Promise<ValidationVerdict> {
  return inSpan(TRACE_SCOPE, 'webhook.validate', {}, async () =>
    validator.validate({
      provider: source.provider.name,
      eventType: identity.eventType,
      action: identity.action,
      payload,
      rules: source.settings.validationRules,
    }),
  );
}

/** Counts the verdict; refuses the delivery when it is invalid and the source enforces validation. */
export function enforceVerdict(
  metrics: Metrics,
  source: RequestSource,
  identity: DeliveryIdentity,
  verdict: ValidationVerdict,
): void {
  metrics.payloadValidations.inc({
    provider: source.provider.name,
    event_type: identity.eventType,
    verdict: verdict.valid ? 'valid' : 'invalid',
  });
  if (!verdict.valid && source.settings.validation === 'enforce') {
    throw new AppError('payload_validation_failed', 'the payload does not match its schema', verdict.errors);
  }
}
