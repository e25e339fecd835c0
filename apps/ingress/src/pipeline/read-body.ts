// The body, read raw (the signature is over its bytes) and only once its Content-Type is one the source's
// provider sends: a wrong type is refused before anything is buffered.
import express, { type RequestHandler } from 'express';
import { AppError } from '@hookfleet/http';
import { FORM_CONTENT_TYPE, type ProviderName } from '@hookfleet/providers';
import { sourceOf } from './context.js';

const JSON_TYPE = 'application/json';
const CONTENT_TYPES: Record<ProviderName, string[]> = {
  github: [JSON_TYPE, FORM_CONTENT_TYPE],
  slack: [JSON_TYPE, FORM_CONTENT_TYPE],
  gitlab: [JSON_TYPE],
  linear: [JSON_TYPE],
  standard: [JSON_TYPE],
  // Twilio and other senders post forms.
  generic: [JSON_TYPE, FORM_CONTENT_TYPE],
};

/** At most the source's body limit, never more than maxBodyBytes (WEBHOOK_MAX_BODY_BYTES). */
export function readBody(maxBodyBytes: number): RequestHandler {
  // raw-body refuses a declared Content-Length over the limit before reading, and stops reading at the
  // limit otherwise. One parser per distinct limit.
  const parsers = new Map<number, RequestHandler>();
  return (req, res, next) => {
    const { provider, settings } = sourceOf(res);
    const accepted = CONTENT_TYPES[provider.name];
    if (!req.is(accepted)) {
      throw new AppError('unsupported_content_type', `Content-Type must be ${accepted.join(' or ')}`);
    }
    const limit = Math.min(settings.maxBodyBytes ?? maxBodyBytes, maxBodyBytes);
    let parser = parsers.get(limit);
    if (!parser) {
      parser = express.raw({ type: () => true, limit });
      parsers.set(limit, parser);
    }
    parser(req, res, next);
  };
}
