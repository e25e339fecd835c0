// POST /webhooks/github (and the design documents' aliases): content type -> size -> signature ->
// headers -> payload, each failure a 4xx before anything is written; then store, queue, 202.
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { PrismaClient } from '@hookfleet/db';
import { AppError, requestLoggerOf, toAppError } from '@hookfleet/http';
import type { Metrics } from '@hookfleet/observability';
import {
  GITHUB_HEADERS,
  decodeUtf8,
  parseGithubPayload,
  readGithubHeaders,
  redactHeaders,
  summarizeGithubPayload,
  verifyGithubSignature,
} from '@hookfleet/providers';
import { routeGithubEvent, type EventQueues } from '@hookfleet/queue';
import { receiveDelivery } from '../receive-delivery.js';

export const GITHUB_WEBHOOK_PATHS = ['/webhooks/github', '/webhook/github', '/api/v1/webhooks/github'];

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

export interface GithubWebhookDeps {
  prisma: PrismaClient;
  queues: EventQueues;
  metrics: Metrics;
  secret: string;
  maxBodyBytes: number;
}

export function githubWebhookRoutes(deps: GithubWebhookDeps): Router {
  const router = Router();

  // Checked before the body is read, so a wrong type costs no buffering.
  const requireContentType: RequestHandler = (req, _res, next) => {
    if (!req.is([JSON_TYPE, FORM_TYPE])) {
      next(new AppError(415, 'unsupported_content_type', `Content-Type must be ${JSON_TYPE} or ${FORM_TYPE}`));
      return;
    }
    next();
  };
  // raw-body rejects an oversized Content-Length before reading, and stops reading at the limit otherwise.
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  const receive: RequestHandler = async (req, res) => {
    const body = req.body as Buffer | undefined;
    if (!body || body.length === 0) throw new AppError(400, 'empty_body', 'request body is empty');
    const text = decodeUtf8(body);
    if (text === null) throw new AppError(400, 'invalid_encoding', 'request body is not valid UTF-8');

    const signature = req.headers[GITHUB_HEADERS.signature256];
    const verified = await verifyGithubSignature(
      deps.secret,
      text,
      typeof signature === 'string' ? signature : undefined,
    );
    if (!verified.ok) {
      throw new AppError(
        401,
        verified.reason,
        verified.reason === 'missing_signature'
          ? 'X-Hub-Signature-256 header is required'
          : 'X-Hub-Signature-256 does not match the body',
      );
    }

    const headers = readGithubHeaders(req.headers);
    if (!headers.ok) {
      throw new AppError(400, 'missing_headers', `missing required headers: ${headers.missing.join(', ')}`);
    }
    const parsed = parseGithubPayload(text, req.is(FORM_TYPE) === FORM_TYPE);
    if (!parsed.ok) throw new AppError(400, 'invalid_payload', parsed.reason);

    const { event, deliveryId, hookId } = headers.headers;
    const summary = summarizeGithubPayload(parsed.payload);
    const route = routeGithubEvent(event, summary.action, parsed.payload);
    const result = await receiveDelivery(deps, {
      provider: 'github',
      hookId,
      deliveryId,
      eventType: event,
      ...summary,
      headers: redactHeaders(req.headers),
      payload: parsed.payload,
      rawBody: body,
      route,
    });

    const logger = requestLoggerOf(res);
    switch (result.kind) {
      case 'accepted':
        deps.metrics.webhookEventsReceived.inc({ provider: 'github', event_type: event, queue: route.queue });
        logger.info('delivery accepted', { event_id: result.eventId, event_type: event, queue: route.queue });
        res.status(202).json({ status: 'accepted', eventId: result.eventId, deliveryId, queue: route.queue });
        return;
      case 'duplicate':
        deps.metrics.webhookDuplicates.inc({ provider: 'github' });
        logger.info('duplicate delivery', { event_id: result.eventId });
        res.status(200).json({ status: 'duplicate', eventId: result.eventId });
        return;
      case 'conflict':
        throw new AppError(
          409,
          'delivery_conflict',
          `delivery ${deliveryId} was already received with a different body`,
          { eventId: result.eventId },
        );
    }
  };

  const countRejection: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
    deps.metrics.webhookErrors.inc({ provider: 'github', code: toAppError(error).code });
    next(error);
  };

  router.post(GITHUB_WEBHOOK_PATHS, requireContentType, rawBody, receive, countRejection);
  return router;
}
