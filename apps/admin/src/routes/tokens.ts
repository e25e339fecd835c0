// API tokens (admin only) and the audit trail (admin only).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { ApiRole, type PrismaClient } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import { principalOf, type TokenStore } from '../auth.js';
import { isUniqueViolation } from '@hookfleet/db';
import { parseInput } from '../validation.js';
import { idParams, offsetPage, pagination, type PageWindow } from './shared.js';

const createBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ApiRole),
    expires_in_days: z.number().int().positive().max(3650).optional(),
  })
  .strict();

const auditQuery = pagination.extend({
  actor_id: z.uuid().optional(),
  action: z.string().min(1).optional(),
  outcome: z.enum(['success', 'failure', 'forbidden']).optional(),
});

const DAY_MS = 24 * 3600_000;

export function tokenHandlers(deps: {
  prisma: PrismaClient;
  tokens: TokenStore;
}): Record<'list' | 'issue' | 'revoke' | 'audit', RequestHandler> {
  const list: RequestHandler = async (_req, res) => {
    const tokens = await deps.prisma.apiToken.findMany({ orderBy: { createdAt: 'asc' } });
    res.json({
      data: tokens.map((token) => ({
        id: token.id,
        name: token.name,
        role: token.role,
        prefix: token.prefix,
        created_by: token.createdBy,
        created_at: token.createdAt,
        last_used_at: token.lastUsedAt,
        expires_at: token.expiresAt,
        revoked_at: token.revokedAt,
      })),
    });
  };

  const issue: RequestHandler = async (req, res) => {
    const body = parseInput(createBody, req.body);
    const expiresAt = body.expires_in_days ? new Date(Date.now() + body.expires_in_days * DAY_MS) : undefined;
    try {
      const issued = await deps.tokens.issue({
        name: body.name,
        role: body.role,
        createdBy: principalOf(res).tokenId,
        expiresAt,
      });
      // The only time the token is shown.
      res
        .status(201)
        .json({ id: issued.id, name: body.name, role: body.role, token: issued.token, expires_at: expiresAt ?? null });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('token_name_taken', `a token named "${body.name}" exists`);
      throw error;
    }
  };

  const revoke: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    if (id === principalOf(res).tokenId) {
      throw new AppError('revoking_own_token', 'a token cannot revoke itself; use another admin token');
    }
    const revoked = await deps.prisma.apiToken.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (revoked.count === 0) throw new AppError('token_not_found', `no active token ${id}`);
    res.json({ status: 'revoked', id });
  };

  const audit: RequestHandler = async (req, res) => {
    const query = parseInput(auditQuery, req.query);
    const where = { actorId: query.actor_id, action: query.action, outcome: query.outcome };
    const read = {
      rows: (window: PageWindow) =>
        deps.prisma.auditLog.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], ...window }),
      total: () => deps.prisma.auditLog.count({ where }),
    };
    res.json(
      await offsetPage(query, read, (row) => ({
        id: row.id,
        actor_id: row.actorId,
        actor_name: row.actorName,
        role: row.role,
        action: row.action,
        target: row.target,
        status: row.status,
        outcome: row.outcome,
        created_at: row.createdAt,
      })),
    );
  };

  return { list, issue, revoke, audit };
}
