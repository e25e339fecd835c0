import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '@hookfleet/http';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Authorization: Bearer <token>, compared in constant time (digests make the lengths equal). */
export function requireBearerToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      next(new AppError(401, 'missing_token', 'Authorization: Bearer <token> is required'));
      return;
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      next(new AppError(401, 'invalid_token', 'the bearer token is not valid'));
      return;
    }
    next();
  };
}
