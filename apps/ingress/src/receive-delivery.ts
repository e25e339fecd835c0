// The ingress use case: store a verified delivery once, queue it, and tell the caller what happened.
import { createHash } from 'node:crypto';
import { isUniqueViolation, type Prisma } from '@hookfleet/db';
import type { NormalizedEvent } from '@hookfleet/providers';
import type { ValidationVerdict } from '@hookfleet/validation';
import {
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
  payloadSanitized: boolean;
  normalized: NormalizedEvent;
  validation: ValidationVerdict;
  rawBody: Uint8Array;
  plan: EventPlan;
  sourceRetry: RetryOverrides | undefined;
}

export type ReceiveResult =
  /** `queued` false: stored, but Redis did not take the job; the reconciler queues it. */
  | { kind: 'accepted'; eventId: string; queued: boolean }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'conflict'; eventId: string };

export type ReceiveDeps = DispatchDeps & {
  /** Told why a stored delivery's job could not be added now. */
  onDeferred(error: unknown): void;
};

export async function receiveDelivery(deps: ReceiveDeps, delivery: VerifiedDelivery): Promise<ReceiveResult> {
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
        payloadSanitized: delivery.payloadSanitized,
        rawBody: new Uint8Array(delivery.rawBody), // a copy Prisma can own
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
  const queued = await dispatchIfReachable(deps, { eventId, plan: delivery.plan, sourceRetry: delivery.sourceRetry });
  return { kind: 'accepted', eventId, queued };
}

/**
 * The committed row is the outbox: once it is stored the delivery is ours, and a 2xx is owed whether or not
 * Redis takes the job now. A row left `received` is queued by the reconciler (or a redelivery) later.
 */
async function dispatchIfReachable(
  deps: DispatchDeps & { onDeferred(error: unknown): void },
  event: DispatchEvent,
): Promise<boolean> {
  try {
    await dispatchEvent(deps, event);
    return true;
  } catch (error) {
    // Whatever Redis answered (unreachable, LOADING after a restart, READONLY in a failover, OOM): the row
    // is committed, so the delivery is ours; the reconciler retries the add.
    deps.onDeferred(error);
    return false;
  }
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
    select: { id: true, bodySha256: true, status: true, generation: true },
  });
  if (existing.bodySha256 !== bodySha256) return { kind: 'conflict', eventId: existing.id };
  if (existing.status === 'received') {
    await dispatchIfReachable(deps, {
      eventId: existing.id,
      plan: delivery.plan,
      sourceRetry: delivery.sourceRetry,
      generation: existing.generation,
    });
  }
  return { kind: 'duplicate', eventId: existing.id };
}
