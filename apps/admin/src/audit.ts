// The audit trail: every mutating call by an authenticated caller (refused ones included) leaves a row
// saying who, what, on what, when and how it ended.
import type { RequestHandler } from 'express';
import type { PrismaClient } from '@hookfleet/db';
import type { Logger } from '@hookfleet/observability';
import type { Principal } from './auth.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export function auditTrail(deps: { prisma: PrismaClient; logger: Logger }): RequestHandler {
  return (req, res, next) => {
    if (READS.has(req.method)) {
      next();
      return;
    }
    const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
    res.on('finish', () => {
      const principal = (res.locals as { principal?: Principal }).principal;
      if (!principal) return; // unauthenticated: a security event in the log, not an act of anyone's
      const status = res.statusCode;
      deps.prisma.auditLog
        .create({
          data: {
            actorId: principal.tokenId,
            actorName: principal.name,
            role: principal.role,
            action: `${req.method} ${path.replace(UUID, ':id')}`,
            method: req.method,
            path,
            target: path.match(UUID)?.[0] ?? null,
            status,
            outcome: status < 400 ? 'success' : status === 403 ? 'forbidden' : 'failure',
          },
        })
        .catch((error: unknown) => deps.logger.error('audit row not written', { error: String(error), path }));
    });
    next();
  };
}
