// A source's routing rules (settings.routes) as a list of their own: read, replaced, one added, one
// removed. Each change is checked against the queue catalogue before anything is written; a refusal is a
// 400 `invalid_settings` naming the field (settings.routes.<index>.<field>), in its message too, so a
// terminal that prints only the message still says which field.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '@hookfleet/db';
import { AppError } from '@hookfleet/http';
import { routingRuleSchema, routingRulesSchema, type RoutingRule } from '@hookfleet/planning';
import { SourceError, editSourceRoutes, readSourceRoutes } from '@hookfleet/sources';
import { parseInput } from '../validation.js';
import { idParams } from './shared.js';

/** PUT's body as documented: the whole list. */
export const replaceRoutesBody = z.object({ routes: routingRulesSchema }).strict();
/** POST's body as documented: one rule, appended. */
export const addRouteBody = routingRuleSchema;

const indexParams = idParams.extend({ index: z.coerce.number().int().min(0) });
const replaceInput = z.object({ routes: z.unknown() }).strict();

async function translate<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SourceError) throw new AppError(error.code, error.message);
    if (error instanceof z.ZodError) {
      const fields = error.issues.map((issue) => ({
        field: `settings.${issue.path.join('.')}`,
        message: issue.message,
      }));
      const summary = fields.map((field) => `${field.field}: ${field.message}`).join('; ');
      throw new AppError('invalid_settings', `routing rules are invalid: ${summary}`, fields);
    }
    throw error;
  }
}

const body = (routes: RoutingRule[]) => ({ data: routes });

export function sourceRouteHandlers(deps: {
  prisma: PrismaClient;
}): Record<'list' | 'replace' | 'add' | 'remove', RequestHandler> {
  const list: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    res.json(body(await translate(() => readSourceRoutes(deps, id))));
  };

  const replace: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const { routes } = parseInput(replaceInput, req.body ?? {});
    res.json(body(await translate(() => editSourceRoutes(deps, id, () => routes))));
  };

  const add: RequestHandler = async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const rule: unknown = req.body;
    const routes = await translate(() => editSourceRoutes(deps, id, (current) => [...current, rule]));
    res.status(201).json({ ...body(routes), index: routes.length - 1 });
  };

  const remove: RequestHandler = async (req, res) => {
    const { id, index } = parseInput(indexParams, req.params);
    const routes = await translate(() =>
      editSourceRoutes(deps, id, (current) => {
        if (index >= current.length) {
          throw new AppError(
            'routing_rule_not_found',
            `the source has ${current.length} routing rules; no index ${index}`,
          );
        }
        return current.filter((_rule, at) => at !== index);
      }),
    );
    res.json(body(routes));
  };

  return { list, replace, add, remove };
}
