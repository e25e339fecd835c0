// The answer to a stored delivery: 202 accepted, 200 for a duplicate, 409 for the same delivery id with a
// different body; counted, and named on the request's span and its one log line.
import type { Response } from 'express';
import { AppError, bindRequestLog } from '@hookfleet/http';
import { annotateActiveSpan, type Metrics } from '@hookfleet/observability';
import { SLACK_SLASH_COMMAND, type DeliveryIdentity } from '@hookfleet/providers';
import type { EventPlan } from '@hookfleet/planning';
import type { ReceiveResult } from '../receive-delivery.js';
import { sourceLabel, type RequestSource } from './context.js';

export function respond(
  metrics: Metrics,
  res: Response,
  source: RequestSource,
  identity: DeliveryIdentity,
  plan: EventPlan,
  result: ReceiveResult,
): void {
  const providerName = source.provider.name;
  annotateActiveSpan({ 'hookfleet.event_id': result.eventId, 'hookfleet.outcome': result.kind });
  switch (result.kind) {
    case 'accepted':
      metrics.webhookEventsReceived.inc({
        provider: providerName,
        source: sourceLabel(source),
        event_type: identity.eventType,
        queue: plan.queue,
      });
      metrics.webhookEvents.inc({
        provider: providerName,
        source: sourceLabel(source),
        event_type: identity.eventType,
        outcome: 'accepted',
      });
      // On the request's own line (one log line per delivery: at info level, a second line per delivery
      // cost a quarter of the ingress's throughput).
      bindRequestLog(res, {
        outcome: 'accepted',
        event_id: result.eventId,
        provider: providerName,
        source_id: source.id,
        event_type: identity.eventType,
        queue: plan.queue,
      });
      if (!result.queued) metrics.enqueueDeferred.inc({ provider: providerName });
      // Slack shows whoever typed a slash command an error unless the answer is a 200, and shows them the
      // body; an empty 200 shows nothing (the bot answers in the channel when the task ends).
      if (providerName === 'slack' && identity.eventType === SLACK_SLASH_COMMAND) {
        res.status(200).end();
        return;
      }
      res
        .status(202)
        .json({ status: 'accepted', eventId: result.eventId, deliveryId: identity.deliveryId, queue: plan.queue });
      return;
    case 'duplicate':
      metrics.webhookEvents.inc({
        provider: providerName,
        source: sourceLabel(source),
        event_type: identity.eventType,
        outcome: 'duplicate',
      });
      bindRequestLog(res, { outcome: 'duplicate', event_id: result.eventId, retry: identity.isRetry });
      res.status(200).json({ status: 'duplicate', eventId: result.eventId });
      return;
    case 'conflict':
      throw new AppError(
        'delivery_conflict',
        `delivery ${identity.deliveryId} was already received with a different body`,
        { eventId: result.eventId },
      );
  }
}
