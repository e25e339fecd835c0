// One error shape in every app: {error, code, status_code, path, correlation_id}, plus details where the
// client can act on them (which fields failed, and why). The code names the refusal and fixes its status
// (error-codes.ts); the message is for people and may change.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '@hookfleet/db';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';
import { correlationIdOf, requestLoggerOf, requestMetricsOf } from './request-context.js';

export interface ErrorBody {
  error: string;
  code: string;
  status_code: number;
  path: string;
  correlation_id: string;
  details?: unknown;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.status = ERROR_CODES[this.code];
    this.details = details;
  }

  /**
   * A refusal whose status is decided elsewhere, the one way around the table: an http-errors 4xx keeps the
   * status its library chose, and a refused MAS callback signature is a 401 whatever the provider's code.
   */
  static withStatus(status: number, code: ErrorCode, message: string): AppError {
    return Object.assign(new AppError(code, message), { status });
  }
}

/** body-parser's own errors, mapped to what a client can act on. */
function fromBodyParser(error: { type?: string; message: string }): AppError | null {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 'request body exceeds the size limit');
    case 'request.aborted':
      return new AppError('request_aborted', 'request body was not received in full');
    case 'request.size.invalid':
      return new AppError('invalid_content_length', 'request body length does not match Content-Length');
    case 'encoding.unsupported':
      return new AppError('unsupported_encoding', error.message);
    case 'charset.unsupported':
      return new AppError('unsupported_charset', error.message);
    case 'entity.parse.failed':
      return new AppError('invalid_json', 'request body is not valid JSON');
    default:
      return null;
  }
}

/** Errors Express and its parsers raise for a bad request (they carry a 4xx status) as the API's 4xx. */
function fromClientError(error: object): AppError | null {
  // The router's decodeURIComponent of a path parameter (e.g. /events/%E0%A4%A).
  if (error instanceof URIError) return new AppError('invalid_path_encoding', 'the path is not valid percent-encoding');
  const { code, status, statusCode, expose } = error as {
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
  };
  // zlib's errors (Z_DATA_ERROR, ...), raised by body-parser while inflating a body.
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new AppError('invalid_content_encoding', 'the body is not encoded as its Content-Encoding says');
  }
  // http-errors marks the ones meant for the client (a downstream's 4xx seen by axios is not one of them).
  const clientStatus = typeof status === 'number' ? status : statusCode;
  if (expose === true && typeof clientStatus === 'number' && clientStatus >= 400 && clientStatus < 500) {
    return AppError.withStatus(clientStatus, 'bad_request', 'the request could not be read');
  }
  return null;
}

const INTERNAL_ERROR = 'internal_error' satisfies ErrorCode;

/** What a 503 for an outage tells the caller: worth trying again soon. */
const RETRY_AFTER_OUTAGE_SECONDS = 5;

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
};

/** Any thrown value as the AppError the client will see (unknown errors are a 500). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (typeof error !== 'object' || error === null) return new AppError(INTERNAL_ERROR, 'internal server error');
  // An outage, not a fault of the request: a fast 503 the caller can retry.
  if (isDatabaseUnavailable(error)) {
    return new AppError('database_unavailable', 'the database is unreachable; retry shortly');
  }
  return (
    fromBodyParser(error as { type?: string; message: string }) ??
    fromClientError(error) ??
    new AppError(INTERNAL_ERROR, 'internal server error')
  );
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  const appError = toAppError(error);
  // A 4xx is already on the request's log line (and webhook refusals log a security event). An outage's
  // 503 is expected and logged as a warning; a 500 nobody raised on purpose is a bug, counted as unexpected.
  if (appError.code === INTERNAL_ERROR) {
    requestLoggerOf(res).error('request failed', { error, code: appError.code });
    requestMetricsOf(res)?.unexpectedErrors.inc({ kind: 'request' });
  } else if (appError.status >= 500) {
    requestLoggerOf(res).warn('request failed', { error, code: appError.code });
  }
  const body: ErrorBody = {
    error: appError.message,
    code: appError.code,
    status_code: appError.status,
    path: req.path,
    correlation_id: correlationIdOf(res),
    ...(appError.details === undefined ? {} : { details: appError.details }),
  };
  if (appError.status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_OUTAGE_SECONDS));
  res.status(appError.status).json(body);
};
