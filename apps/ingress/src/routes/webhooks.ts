// POST /webhooks/:provider/:sourceId (and the built-in GitHub source on /webhooks/github and its aliases).
// Every check runs before anything is written, cheapest first, one step per file in ../pipeline:
//   source -> client address -> rate (address, source) -> content type and size -> user agent ->
//   UTF-8, signature and freshness, payload, identity -> rate (repository) -> validation -> plan ->
//   store and queue (with the deliveries that arrived alongside it: group-commit.ts) -> 202.
// Each refusal is a 4xx with a code, counted and logged once (record-rejection).
import { Router, type RequestHandler } from 'express';
import type { DatabaseClients, PrismaClient } from '@hookfleet/db';
import { requestSpan } from '@hookfleet/http';
import { annotateActiveSpan, type Logger, type Metrics } from '@hookfleet/observability';
import { GITHUB_WEBHOOK_PATHS } from '@hookfleet/config';
import type { EventQueues } from '@hookfleet/queue';
import { planEvent, planOptionsOf } from '@hookfleet/planning';
import type { SourceResolver } from '@hookfleet/sources';
import type { PayloadValidator } from '@hookfleet/validation';
import type { Redis } from 'ioredis';
import type { IngressConfig } from '../config.js';
import type { GithubHookRanges } from '../github-hook-ranges.js';
import { authenticate } from '../pipeline/authenticate.js';
import { checkAddress } from '../pipeline/check-address.js';
import { checkUserAgent } from '../pipeline/check-user-agent.js';
import { TRACE_SCOPE, deliveryOf, sourceOf } from '../pipeline/context.js';
import { createRateLimits } from '../pipeline/rate-limit.js';
import { readBody } from '../pipeline/read-body.js';
import { recordRejection } from '../pipeline/record-rejection.js';
import { builtInGithubSource, resolveSource, useBuiltInGithub } from '../pipeline/resolve-source.js';
import { respond } from '../pipeline/respond.js';
import { createDeliveryStore } from '../pipeline/store.js';
import { enforceVerdict, validatePayload } from '../pipeline/validate.js';

/** A configured source's path: its provider and its id (the built-in GitHub source has GITHUB_WEBHOOK_PATHS). */
export const SOURCE_WEBHOOK_PATH = '/webhooks/:provider/:sourceId';

export interface WebhookRouteDeps {
  config: IngressConfig;
  prisma: PrismaClient;
  pool: DatabaseClients['pool'];
  queues: EventQueues;
  metrics: Metrics;
  logger: Logger;
  /** The rate limiter's own connection (see @hookfleet/queue connections). */
  limiterRedis: Redis;
  sources: SourceResolver | null;
  hookRanges: GithubHookRanges;
  validator: PayloadValidator;
  now?: () => Date;
}

export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const { config, metrics } = deps;
  const limits = createRateLimits(deps.limiterRedis, config);
  // After the source is known, in this order; a refusal skips to recordRejection.
  const steps = [
    checkAddress(deps.hookRanges), // the source's allowlist, or GitHub's hook ranges
    limits.perAddress,
    limits.perSource,
    readBody(config.WEBHOOK_MAX_BODY_BYTES), // its Content-Type first, then at most the body limit
    checkUserAgent,
    authenticate({ metrics, sources: deps.sources, now: deps.now ?? (() => new Date()) }), // or a handshake answered
    limits.perRepository,
    acceptDelivery(deps), // validate -> plan -> store -> respond
    recordRejection(metrics),
  ];
  // Senders are not authenticated yet when the span starts: their traceparent is linked, not continued.
  const span = requestSpan(TRACE_SCOPE, { callerTrace: 'link' });
  const router = Router();
  router.post([...GITHUB_WEBHOOK_PATHS], span, useBuiltInGithub(builtInGithubSource(config)), ...steps);
  router.post(SOURCE_WEBHOOK_PATH, span, resolveSource(deps.sources), ...steps);
  return router;
}

/** The authenticated delivery's last steps, in one handler: no middleware hop between them. */
function acceptDelivery(deps: WebhookRouteDeps): RequestHandler {
  const { config, metrics } = deps;
  const store = createDeliveryStore(deps);
  return async (req, res) => {
    const source = sourceOf(res);
    const delivery = deliveryOf(res);
    const { identity, payload } = delivery;
    annotateActiveSpan({
      'hookfleet.provider': source.provider.name,
      'hookfleet.delivery_id': identity.deliveryId,
      'hookfleet.event_type': identity.eventType,
    });
    const verdict = await validatePayload(deps.validator, source, delivery);
    enforceVerdict(metrics, source, identity, verdict);
    const plan = planEvent(
      { provider: source.provider.name, eventType: identity.eventType, action: identity.action, payload },
      planOptionsOf(config, source.settings.routes),
    );
    const result = await store(req, res, source, delivery, verdict, plan);
    respond(metrics, res, source, identity, plan, result);
  };
}
