// The authenticated delivery as the row receiveDelivery stores (grouped with its neighbours' by the event
// writer, group-commit.ts), within the store deadline.
import type { Request, Response } from 'express';
import { DatabaseTimeoutError, type DatabaseClients, type PrismaClient } from '@hookfleet/db';
import { requestLoggerOf } from '@hookfleet/http';
import type { Logger } from '@hookfleet/observability';
import { redactHeaders, redeliveryDigestOf } from '@hookfleet/providers';
import type { EventPlan } from '@hookfleet/planning';
import type { EventQueues } from '@hookfleet/queue';
import { credentialHeadersOf } from '@hookfleet/sources';
import type { ValidationVerdict } from '@hookfleet/validation';
import type { IngressConfig } from '../config.js';
import { createEventWriter } from '../group-commit.js';
import { receiveDelivery, type ReceiveResult } from '../receive-delivery.js';
import type { AuthenticatedDelivery, RequestSource } from './context.js';

export interface StoreDeps {
  config: Pick<
    IngressConfig,
    | 'TASK_RETRY_POLICIES'
    | 'BOT_MENTION'
    | 'WEBHOOK_STORE_TIMEOUT_MS'
    | 'WEBHOOK_GROUP_COMMIT_WAIT_MS'
    | 'WEBHOOK_GROUP_COMMIT_MAX_ROWS'
  >;
  prisma: PrismaClient;
  pool: DatabaseClients['pool'];
  queues: EventQueues;
  logger: Logger;
}

export type StoreDelivery = (
  req: Request,
  res: Response,
  source: RequestSource,
  delivery: AuthenticatedDelivery,
  validation: ValidationVerdict,
  plan: EventPlan,
) => Promise<ReceiveResult>;

export function createDeliveryStore(deps: StoreDeps): StoreDelivery {
  const { config } = deps;
  const writer = createEventWriter(
    {
      prisma: deps.prisma,
      pool: deps.pool,
      queues: deps.queues,
      onUnmarked: (error, rows) =>
        deps.logger.warn(
          'stored deliveries Redis did not take are left queued without a job; the reconciler queues them',
          {
            error,
            rows,
          },
        ),
    },
    {
      maxWaitMs: config.WEBHOOK_GROUP_COMMIT_WAIT_MS,
      maxRows: config.WEBHOOK_GROUP_COMMIT_MAX_ROWS,
    },
  );

  return (req, res, source, delivery, validation, plan) => {
    const { payload, payloadSanitized, identity, normalized, matchedSecretId, raw } = delivery;
    const dispatch = {
      prisma: deps.prisma,
      queues: deps.queues,
      config,
      writer,
      onDeferred: (error: unknown) =>
        requestLoggerOf(res).warn('delivery stored but not queued; the reconciler will queue it', { error }),
    };
    // The sender gives up after about ten seconds: past the store deadline it gets a 503 now (the write may
    // still commit; the reconciler then queues it, and a redelivery is a duplicate).
    return withinStoreDeadline(
      receiveDelivery(dispatch, {
        provider: source.provider.name,
        sourceId: source.id,
        matchedSecretId,
        // Delivery ids are unique per sender, so each source is its own namespace.
        hookId: source.id ? `${source.id}${identity.hookId ? `:${identity.hookId}` : ''}` : identity.hookId,
        deliveryId: identity.deliveryId,
        eventType: identity.eventType,
        action: identity.action,
        repository: normalized.repository,
        sender: normalized.actor,
        headers: redactHeaders(req.headers, [
          ...(source.settings.redactHeaders ?? []),
          ...credentialHeadersOf(source.settings.generic),
        ]),
        payload,
        payloadSanitized,
        normalized,
        validation,
        rawBody: raw.body,
        redeliveryDigest: redeliveryDigestOf(source.provider, raw, payload),
        plan,
        sourceRetry: source.settings.retry,
      }),
      config.WEBHOOK_STORE_TIMEOUT_MS,
    );
  };
}

function withinStoreDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseTimeoutError(`no answer from the database in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
