// POST /webhooks/:provider/:sourceId (and the built-in GitHub source on /webhooks/github and its aliases).
// Every check runs before anything is written, cheapest first:
//   source -> client address -> rate (address, source) -> content type -> size -> user agent ->
//   UTF-8 -> signature and freshness -> payload -> identity -> rate (repository) -> validation
// then the row is stored and its job added (with the deliveries that arrived alongside it: group-commit.ts),
// 202. Each refusal is a 4xx with a code, counted and logged once.
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { DatabaseTimeoutError, type DatabaseClients, type PrismaClient } from '@hookfleet/db';
import { AppError, bindRequestLog, correlationIdOf, requestLoggerOf, requestSpan, toAppError } from '@hookfleet/http';
import { annotateActiveSpan, inSpan, type Logger, type Metrics } from '@hookfleet/observability';
import {
  FORM_CONTENT_TYPE,
  PROVIDERS,
  decodeUtf8,
  providerByName,
  redactHeaders,
  toStorableJson,
  type DeliveryIdentity,
  type NormalizedEvent,
  type Provider,
  type ProviderName,
  type RawDelivery,
  type RejectionCode,
} from '@hookfleet/providers';
import { GITHUB_WEBHOOK_PATHS } from '@hookfleet/config';
import { type EventQueues } from '@hookfleet/queue';
import { planEvent } from '@hookfleet/planning';
import { isAllowed, toBlockList, type SourceResolver, type SourceSettings } from '@hookfleet/sources';
import type { PayloadValidator, ValidationVerdict } from '@hookfleet/validation';
import type { Redis } from 'ioredis';
import type { IngressConfig } from '../config.js';
import type { GithubHookRanges } from '../github-hook-ranges.js';
import { clientAddressKey, createRateLimiter } from '../rate-limits.js';
import { createEventWriter } from '../group-commit.js';
import { receiveDelivery } from '../receive-delivery.js';

/** The built-in GitHub source's paths: the design documents' three spellings. */
export const SOURCE_WEBHOOK_PATH = '/webhooks/:provider/:sourceId';

/** The tracer scope of the ingress's spans. */
const SCOPE = '@hookfleet/ingress';

const JSON_TYPE = 'application/json';
const CONTENT_TYPES: Record<ProviderName, string[]> = {
  github: [JSON_TYPE, FORM_CONTENT_TYPE],
  slack: [JSON_TYPE, FORM_CONTENT_TYPE],
  gitlab: [JSON_TYPE],
  linear: [JSON_TYPE],
  standard: [JSON_TYPE],
};
/** What each provider's own User-Agent starts with, for sources that require it. */
const USER_AGENT_PREFIXES: Partial<Record<ProviderName, string>> = {
  github: 'GitHub-Hookshot/',
  gitlab: 'GitLab/',
  slack: 'Slackbot ',
};
const REJECTION_STATUS: Record<RejectionCode, number> = {
  missing_signature: 401,
  invalid_signature: 401,
  timestamp_out_of_range: 401,
  missing_headers: 400,
  duplicated_header: 400,
  invalid_payload: 400,
  unsupported_event: 400,
};

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

interface Authenticated {
  raw: RawDelivery;
  payload: Record<string, unknown>;
  /** The payload differs from the body where jsonb could not hold a string (see toStorableJson). */
  payloadSanitized: boolean;
  identity: DeliveryIdentity;
  normalized: NormalizedEvent;
  matchedSecretId: string | null;
}

interface WebhookLocals {
  source?: RequestSource;
  delivery?: Authenticated;
}
const localsOf = (res: Response) => res.locals as WebhookLocals;
/** A configured source by its name (unique per provider, bounded by configuration); the GITHUB_WEBHOOK_SECRET one as built-in. */
const sourceLabel = (source: RequestSource | undefined) =>
  source ? (source.id ? source.name : 'built-in') : 'unknown';
const sourceOf = (res: Response): RequestSource => {
  const source = localsOf(res).source;
  if (!source) throw new Error('webhook source not resolved');
  return source;
};
const deliveryOf = (res: Response): Authenticated => {
  const delivery = localsOf(res).delivery;
  if (!delivery) throw new Error('webhook delivery not authenticated');
  return delivery;
};

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
  const now = deps.now ?? (() => new Date());
  const router = Router();
  const writer = createEventWriter(
    {
      ...deps,
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

  const builtInGithub: RequestSource | null = config.GITHUB_WEBHOOK_SECRET
    ? {
        id: null,
        name: 'github',
        provider: PROVIDERS.github,
        secrets: [{ id: null, value: config.GITHUB_WEBHOOK_SECRET }],
        settings: {
          validation: config.WEBHOOK_PAYLOAD_VALIDATION,
          ipAllowlist: config.WEBHOOK_ENABLE_IP_WHITELIST ? config.WEBHOOK_ALLOWED_IPS : undefined,
          allowGithubHookRanges: config.WEBHOOK_ENABLE_IP_WHITELIST && !config.WEBHOOK_ALLOWED_IPS?.length,
          requireProviderUserAgent: false,
          processing: { mode: 'store' },
        },
      }
    : null;

  const useBuiltInGithub: RequestHandler = (_req, res, next) => {
    if (!builtInGithub)
      throw new AppError(404, 'source_not_found', 'GITHUB_WEBHOOK_SECRET is not set: use a source URL');
    localsOf(res).source = builtInGithub;
    next();
  };

  const resolveSource: RequestHandler = async (req, res, next) => {
    const provider = providerByName(String(req.params.provider));
    if (!provider) throw new AppError(404, 'unknown_provider', `no provider "${String(req.params.provider)}"`);
    const sourceId = String(req.params.sourceId);
    const resolved = /^[0-9a-f-]{36}$/i.test(sourceId) && deps.sources ? await deps.sources.resolve(sourceId) : null;
    if (!resolved || resolved.provider !== provider.name) {
      throw new AppError(404, 'source_not_found', `no ${provider.name} source ${sourceId}`);
    }
    if (!resolved.enabled) throw new AppError(403, 'source_disabled', 'this source is disabled');
    if (resolved.secrets.length === 0) throw new AppError(403, 'source_disabled', 'this source has no active secret');
    localsOf(res).source = { ...resolved, provider };
    next();
  };

  // GitHub's ranges are fetched only once some source asks for them.
  let hookRangesStarted: Promise<void> | null = null;
  // Allowlists are compiled once per distinct list, not per request.
  const allowlists = new Map<string, ReturnType<typeof toBlockList>>();
  const checkAddress: RequestHandler = async (req, res, next) => {
    const { settings, provider } = sourceOf(res);
    const list = settings.ipAllowlist ?? [];
    const useHookRanges = settings.allowGithubHookRanges && provider.name === 'github';
    if (list.length === 0 && !useHookRanges) return next();
    const ip = req.ip ?? '';
    const key = list.join(',');
    let blockList = allowlists.get(key);
    if (!blockList) {
      blockList = toBlockList(list);
      allowlists.set(key, blockList);
    }
    // The first request that needs GitHub's ranges waits for them (start() never rejects), so a fresh
    // replica does not refuse GitHub while its list loads.
    if (useHookRanges) await (hookRangesStarted ??= deps.hookRanges.start());
    const allowed = (list.length > 0 && isAllowed(blockList, ip)) || (useHookRanges && deps.hookRanges.allows(ip));
    if (!allowed) throw new AppError(403, 'ip_not_allowed', `deliveries from ${ip} are not allowed for this source`);
    next();
  };

  const limitPerAddress = createRateLimiter(deps.limiterRedis, config.QUEUE_PREFIX, {
    name: 'ip',
    windowMs: 60_000,
    limit: config.WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE,
    key: (req) => clientAddressKey(req.ip),
  });
  const limitPerSource = createRateLimiter(deps.limiterRedis, config.QUEUE_PREFIX, {
    name: 'source',
    windowMs: 60_000,
    limit: (res) => sourceOf(res).settings.rateLimitPerMinute ?? 0,
    key: (_req, res) => sourceOf(res).id,
  });
  const limitPerRepository = createRateLimiter(deps.limiterRedis, config.QUEUE_PREFIX, {
    name: 'repository',
    windowMs: 3600_000,
    limit: config.WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR,
    key: (_req, res) => {
      const { normalized } = deliveryOf(res);
      return normalized.repository ? `${normalized.provider}:${normalized.repository}` : null;
    },
  });

  // Checked before the body is read, so a wrong type costs no buffering.
  const requireContentType: RequestHandler = (req, res, next) => {
    const accepted = CONTENT_TYPES[sourceOf(res).provider.name];
    if (!req.is(accepted)) {
      throw new AppError(415, 'unsupported_content_type', `Content-Type must be ${accepted.join(' or ')}`);
    }
    next();
  };

  // raw-body refuses a declared Content-Length over the limit before reading, and stops reading at the
  // limit otherwise. One parser per distinct limit.
  const parsers = new Map<number, RequestHandler>();
  const readBody: RequestHandler = (req, res, next) => {
    const limit = Math.min(
      sourceOf(res).settings.maxBodyBytes ?? config.WEBHOOK_MAX_BODY_BYTES,
      config.WEBHOOK_MAX_BODY_BYTES,
    );
    let parser = parsers.get(limit);
    if (!parser) {
      parser = express.raw({ type: () => true, limit });
      parsers.set(limit, parser);
    }
    parser(req, res, next);
  };

  const checkUserAgent: RequestHandler = (req, res, next) => {
    const { settings, provider } = sourceOf(res);
    const prefix = USER_AGENT_PREFIXES[provider.name];
    if (settings.requireProviderUserAgent && prefix && !req.headers['user-agent']?.startsWith(prefix)) {
      throw new AppError(403, 'invalid_user_agent', `User-Agent must start with ${prefix}`);
    }
    next();
  };

  // Signature, parsing and identity, in a span of their own; the handlers after it run outside that span.
  const authenticate: RequestHandler = async (req, res, next) => {
    // A refusal is the sender's error, answered as designed, not the span's failure.
    const delivery = await inSpan(
      SCOPE,
      'webhook.verify',
      { expected: (error) => error instanceof AppError && error.status < 500 },
      () => authenticateDelivery(req, res),
    );
    if (!delivery) return;
    localsOf(res).delivery = delivery;
    next();
  };

  /** The authenticated delivery, or null when the provider's handshake has been answered instead. */
  const authenticateDelivery = async (req: Request, res: Response): Promise<Authenticated | null> => {
    const source = sourceOf(res);
    const body = req.body as Buffer | undefined;
    if (!body || body.length === 0) throw new AppError(400, 'empty_body', 'request body is empty');
    const text = decodeUtf8(body);
    if (text === null) throw new AppError(400, 'invalid_encoding', 'request body is not valid UTF-8');
    const raw: RawDelivery = {
      headers: req.headers,
      body,
      text,
      contentType: (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
      now: now(),
    };
    const { provider } = source;
    const verified = await provider.verify(
      raw,
      source.secrets.map((secret) => secret.value),
    );
    if (!verified.ok) throw new AppError(REJECTION_STATUS[verified.code], verified.code, verified.message);
    const parsed = provider.parse(raw);
    if (!parsed.ok) throw new AppError(REJECTION_STATUS[parsed.code], parsed.code, parsed.message);
    // Before anything reads it: ids and names taken from the payload are stored as text too.
    const { sanitized } = toStorableJson(parsed.payload, text);
    const identified = provider.identify(raw, parsed.payload);
    if (!identified.ok) throw new AppError(REJECTION_STATUS[identified.code], identified.code, identified.message);

    const matched = source.secrets[verified.secretIndex];
    metrics.secretMatches.inc({
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
  };

  const store: RequestHandler = async (req, res) => {
    const source = sourceOf(res);
    const { payload, payloadSanitized, identity, normalized, matchedSecretId, raw } = deliveryOf(res);
    const providerName = source.provider.name;
    annotateActiveSpan({
      'hookfleet.provider': providerName,
      'hookfleet.delivery_id': identity.deliveryId,
      'hookfleet.event_type': identity.eventType,
    });
    const verdict: ValidationVerdict = await inSpan(SCOPE, 'webhook.validate', {}, async () =>
      deps.validator.validate({
        provider: providerName,
        eventType: identity.eventType,
        action: identity.action,
        payload,
        rules: source.settings.validationRules,
      }),
    );
    metrics.payloadValidations.inc({
      provider: providerName,
      event_type: identity.eventType,
      verdict: verdict.valid ? 'valid' : 'invalid',
    });
    if (!verdict.valid && source.settings.validation === 'enforce') {
      throw new AppError(400, 'payload_validation_failed', 'the payload does not match its schema', verdict.errors);
    }

    const plan = planEvent(
      { provider: providerName, eventType: identity.eventType, action: identity.action, payload },
      { botMention: config.BOT_MENTION },
    );
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
    const result = await withinStoreDeadline(
      receiveDelivery(dispatch, {
        provider: providerName,
        sourceId: source.id,
        matchedSecretId,
        // Delivery ids are unique per sender, so each source is its own namespace.
        hookId: source.id ? `${source.id}${identity.hookId ? `:${identity.hookId}` : ''}` : identity.hookId,
        deliveryId: identity.deliveryId,
        eventType: identity.eventType,
        action: identity.action,
        repository: normalized.repository,
        sender: normalized.actor,
        headers: redactHeaders(req.headers, source.settings.redactHeaders),
        payload,
        payloadSanitized,
        normalized,
        validation: verdict,
        rawBody: raw.body,
        plan,
        sourceRetry: source.settings.retry,
      }),
      config.WEBHOOK_STORE_TIMEOUT_MS,
    );

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
          409,
          'delivery_conflict',
          `delivery ${identity.deliveryId} was already received with a different body`,
          { eventId: result.eventId },
        );
    }
  };

  // One count and one security-log line per refusal; never a header value or a payload.
  const recordRejection: ErrorRequestHandler = (error: unknown, req, res, next) => {
    const appError = toAppError(error);
    const resolved = localsOf(res).source;
    const provider = resolved?.provider.name ?? String(req.params.provider ?? 'github');
    // Only names the ingress knows become label values: a made-up provider or source in a URL must not.
    const labels = { provider: providerByName(provider) ? provider : 'unknown', source: sourceLabel(resolved) };
    metrics.webhookErrors.inc({ ...labels, code: appError.code });
    metrics.webhookEvents.inc({ ...labels, event_type: '', outcome: appError.status < 500 ? 'refused' : 'failed' });
    if (appError.status < 500) {
      requestLoggerOf(res).warn('webhook rejected', {
        security_event: true,
        provider,
        source_id: localsOf(res).source?.id ?? null,
        code: appError.code,
        status_code: appError.status,
        client_ip: req.ip,
        correlation_id: correlationIdOf(res),
      });
    }
    next(error);
  };

  const pipeline = [
    checkAddress,
    limitPerAddress,
    limitPerSource,
    requireContentType,
    readBody,
    checkUserAgent,
    authenticate,
    limitPerRepository,
    store,
    recordRejection,
  ];
  // Senders are not authenticated yet when the span starts: their traceparent is linked, not continued.
  const span = requestSpan(SCOPE, { callerTrace: 'link' });
  router.post([...GITHUB_WEBHOOK_PATHS], span, useBuiltInGithub, ...pipeline);
  router.post(SOURCE_WEBHOOK_PATH, span, resolveSource, ...pipeline);
  return router;
}
