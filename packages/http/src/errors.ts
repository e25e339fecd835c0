// One error shape in every app: the design documents' {error, status_code, path, correlation_id} plus a
// machine-readable code.
import type { ErrorRequestHandler, RequestHandler } from 'express';
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
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** body-parser's own errors, mapped to what a client can act on. */
function fromBodyParser(error: { type?: string; message: string }): AppError | null {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'request body exceeds the size limit');
    case 'request.aborted':
      return new AppError(400, 'request_aborted', 'request body was not received in full');
    case 'request.size.invalid':
      return new AppError(400, 'invalid_content_length', 'request body length does not match Content-Length');
    case 'encoding.unsupported':
      return new AppError(415, 'unsupported_encoding', error.message);
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_charset', error.message);
    case 'entity.parse.failed':
      return new AppError(400, 'invalid_json', 'request body is not valid JSON');
    default:
      return null;
  }
}

/** Errors Express and its parsers raise for a bad request (they carry a 4xx status) as the API's 4xx. */
function fromClientError(error: object): AppError | null {
  // The router's decodeURIComponent of a path parameter (e.g. /events/%E0%A4%A).
  if (error instanceof URIError)
    return new AppError(400, 'invalid_path_encoding', 'the path is not valid percent-encoding');
  const { code, status, statusCode } = error as { code?: unknown; status?: unknown; statusCode?: unknown };
  // zlib's errors (Z_DATA_ERROR, ...), raised by body-parser while inflating a body.
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new AppError(400, 'invalid_content_encoding', 'the body is not encoded as its Content-Encoding says');
  }
  const clientStatus = typeof status === 'number' ? status : statusCode;
  if (typeof clientStatus === 'number' && clientStatus >= 400 && clientStatus < 500) {
    return new AppError(clientStatus, 'bad_request', 'the request could not be read');
  }
  return null;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

/** Any thrown value as the AppError the client will see (unknown errors are a 500). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (typeof error !== 'object' || error === null) return new AppError(500, 'internal_error', 'internal server error');
  return (
    fromBodyParser(error as { type?: string; message: string }) ??
    fromClientError(error) ??
    new AppError(500, 'internal_error', 'internal server error')
  );
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  const appError = toAppError(error);
  // A 4xx is already on the request's log line (and webhook refusals log a security event); a 5xx is ours.
  // One we did not raise on purpose (an outage's 503 is) is a bug somewhere: counted as unexpected.
  if (appError.status >= 500) {
    requestLoggerOf(res).error('request failed', { error, code: appError.code });
    if (!(error instanceof AppError)) requestMetricsOf(res)?.unexpectedErrors.inc({ kind: 'request' });
  }
  const body: ErrorBody = {
    error: appError.message,
    code: appError.code,
    status_code: appError.status,
    path: req.path,
    correlation_id: correlationIdOf(res),
    ...(appError.details === undefined ? {} : { details: appError.details }),
  };
  res.status(appError.status).json(body);
};
