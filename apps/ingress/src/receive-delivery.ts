// The ingress use case: store a verified delivery once, queue it, and tell the caller what happened.
import { randomUUID } from 'node:crypto';
import { activeContext, activeTraceIds } from '@hookfleet/observability';
import type { NormalizedEvent } from '@hookfleet/providers';
import type { ValidationVerdict } from '@hookfleet/validation';
import { eventJobId, type EnqueueEvent, type RetryOverrides } from '@hookfleet/queue';
import { planPriority, type EventPlan } from '@hookfleet/planning';
import { isStranded, requeueNamedJob, retryOverridesFor, type DispatchDeps } from '@hookfleet/events';
import type { EventWriter } from './group-commit.js';

export interface VerifiedDelivery {
  provider: string;
  /** Null for the built-in GitHub source. */
  sourceId: string | null;
  matchedSecretId: string | null;
  /** The dedupe namespace (see the webhook route). */
  hookId: string;
  deliveryId: string;
  eventType: string;
  action: string | null;
  repository: string | null;
  sender: string | null;
  /** Already redacted. */
  headers: Record<string, string>;
  payload: Record<string, unknown>;
  payloadSanitized: boolean;
  normalized: NormalizedEvent;
  validation: ValidationVerdict;
  rawBody: Uint8Array;
  /** What a redelivery repeats, hashed (stored as body_sha256): see Provider.redeliveryDigest. */
  redeliveryDigest: string;
  plan: EventPlan;
  sourceRetry: RetryOverrides | undefined;
}

export type ReceiveResult =
  /** `queued` false: stored, but Redis did not take the job; the reconciler queues it. */
  | { kind: 'accepted'; eventId: string; queued: boolean }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'conflict'; eventId: string };

export type ReceiveDeps = DispatchDeps & {
  writer: EventWriter;
  /** Told why a stored delivery's job could not be added now. */
  onDeferred(error: unknown): void;
};

export async function receiveDelivery(deps: ReceiveDeps, delivery: VerifiedDelivery): Promise<ReceiveResult> {
  const bodySha256 = delivery.redeliveryDigest;
  // The id is made here so that the job id is known before the INSERT: the row is stored as queued under
  // it, and the job is added right after the commit (no second write to say it was).
  const eventId = randomUUID();
  // The request's trace: the row keeps its id (the admin shows it) and the job continues it.
  const traceContext = activeContext();
  const job: EnqueueEvent = {
    eventId,
    queue: delivery.plan.queue,
    priority: planPriority(delivery.plan),
    retryOverrides: retryOverridesFor(delivery.plan, deps.config.TASK_RETRY_POLICIES, delivery.sourceRetry),
    traceContext,
  };
  const outcome = await deps.writer.write(
    {
      id: eventId,
      provider: delivery.provider,
      sourceId: delivery.sourceId,
      matchedSecretId: delivery.matchedSecretId,
      hookId: delivery.hookId,
      deliveryId: delivery.deliveryId,
      eventType: delivery.eventType,
      action: delivery.action,
      repository: delivery.repository,
      sender: delivery.sender,
      headersJson: JSON.stringify(delivery.headers),
      payloadJson: JSON.stringify(delivery.payload),
      payloadSanitized: delivery.payloadSanitized,
      rawBody: delivery.rawBody,
      normalizedJson: JSON.stringify(delivery.normalized),
      validationJson: JSON.stringify(delivery.validation),
      bodySha256,
      queue: delivery.plan.queue,
      workflowKey: delivery.plan.workflow?.key ?? null,
      planJson: JSON.stringify(delivery.plan),
      jobId: eventJobId(eventId),
      traceId: activeTraceIds(traceContext)?.traceId ?? null,
    },
    job,
  );
  if (outcome.kind === 'exists') return answerRedelivery(deps, delivery, bodySha256);
  // The committed row is the outbox: once it is stored the delivery is ours, and a 2xx is owed whether or
  // not Redis took the job; a row left `received` is queued by the reconciler (or a redelivery) later.
  if (!outcome.queued) deps.onDeferred(outcome.enqueueError);
  return { kind: 'accepted', eventId, queued: outcome.queued };
}

/** Same key: a duplicate when the body matches (queued now if it never reached Redis), else a conflict. */
async function answerRedelivery(
  deps: ReceiveDeps,
  delivery: VerifiedDelivery,
  bodySha256: string,
): Promise<ReceiveResult> {
  const existing = await deps.prisma.webhookEvent.findUniqueOrThrow({
    where: {
      provider_hookId_deliveryId: {
        provider: delivery.provider,
        hookId: delivery.hookId,
        deliveryId: delivery.deliveryId,
      },
    },
    select: { id: true, bodySha256: true, status: true, generation: true, queue: true, jobId: true },
  });
  if (existing.bodySha256 !== bodySha256) return { kind: 'conflict', eventId: existing.id };
  // A redelivery is how a sender (or an operator pressing Redeliver) recovers a delivery whose job never
  // made it: queue it now under its own job id (a no-op if the job exists after all).
  if (await isStranded(deps.queues, existing).catch(() => false)) {
    try {
      await requeueNamedJob(deps, existing, { plan: delivery.plan, sourceRetry: delivery.sourceRetry });
    } catch (error) {
      // Whatever Redis answered (unreachable, LOADING after a restart, READONLY in a failover, OOM): the row
      // is committed, so the delivery is ours; the reconciler retries the add.
      deps.onDeferred(error);
    }
  }
  return { kind: 'duplicate', eventId: existing.id };
}
