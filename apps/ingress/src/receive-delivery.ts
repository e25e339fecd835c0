// The ingress use case: store a verified delivery once, queue it, and tell the caller what happened.
import { createHash } from 'node:crypto';
import { isUniqueViolation, type Prisma } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import type { NormalizedEvent } from '@hookfleet/providers';
import type { ValidationVerdict } from '@hookfleet/validation';
import {
  QueueUnavailableError,
  dispatchEvent,
  type DispatchDeps,
  type DispatchEvent,
  type EventPlan,
  type RetryOverrides,
} from '@hookfleet/queue';

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
  normalized: NormalizedEvent;
  validation: ValidationVerdict;
  rawBody: Uint8Array;
  plan: EventPlan;
  sourceRetry: RetryOverrides | undefined;
}

export type ReceiveResult =
  | { kind: 'accepted'; eventId: string }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'conflict'; eventId: string };

export async function receiveDelivery(deps: DispatchDeps, delivery: VerifiedDelivery): Promise<ReceiveResult> {
  const bodySha256 = createHash('sha256').update(delivery.rawBody).digest('hex');
  let eventId: string;
  try {
    const created = await deps.prisma.webhookEvent.create({
      data: {
        provider: delivery.provider,
        sourceId: delivery.sourceId,
        matchedSecretId: delivery.matchedSecretId,
        hookId: delivery.hookId,
        deliveryId: delivery.deliveryId,
        eventType: delivery.eventType,
        action: delivery.action,
        repository: delivery.repository,
        sender: delivery.sender,
        headers: delivery.headers,
        payload: delivery.payload as Prisma.InputJsonObject,
        normalized: delivery.normalized as unknown as Prisma.InputJsonObject,
        validation: delivery.validation as unknown as Prisma.InputJsonObject,
        bodySha256,
        queue: delivery.plan.queue,
        workflowKey: delivery.plan.workflow?.key ?? null,
      },
      select: { id: true },
    });
    eventId = created.id;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return answerRedelivery(deps, delivery, bodySha256);
  }
  await dispatchOrRefuse(deps, { eventId, plan: delivery.plan, sourceRetry: delivery.sourceRetry });
  return { kind: 'accepted', eventId };
}

/**
 * The row is stored; without a job it must not be acknowledged. A 503 makes the sender redeliver, and
 * the redelivery (a duplicate of a `received` row) queues it then.
 */
async function dispatchOrRefuse(deps: DispatchDeps, event: DispatchEvent): Promise<void> {
  try {
    await dispatchEvent(deps, event);
  } catch (error) {
    if (error instanceof QueueUnavailableError) {
      throw new AppError(503, 'queue_unavailable', 'the delivery is stored but could not be queued; redeliver it');
    }
    throw error;
  }
}

/** Same key: a duplicate when the body matches (re-queued if it never reached Redis), else a conflict. */
async function answerRedelivery(
  deps: DispatchDeps,
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
    select: { id: true, bodySha256: true, status: true, generation: true },
  });
  if (existing.bodySha256 !== bodySha256) return { kind: 'conflict', eventId: existing.id };
  if (existing.status === 'received') {
    await dispatchOrRefuse(deps, {
      eventId: existing.id,
      plan: delivery.plan,
      sourceRetry: delivery.sourceRetry,
      generation: existing.generation,
    });
  }
  return { kind: 'duplicate', eventId: existing.id };
}
