// A source's routing rules (settings.routes) on their own: read, and changed one edit at a time with the
// source's row locked, so two operators adding rules at once both land and neither edit loses the other's.
// Only the rules are written; the rest of the settings stay as they were saved.
import type { Prisma } from '@hookfleet/db';
import { routingRulesSchema, type RoutingRule } from '@hookfleet/planning';
import { z } from 'zod';
import { readSourceSetting } from './settings.js';
import { SourceError, type SourceDeps } from './sources.js';

/** A source's rules, in order; none set: an empty list. */
export async function readSourceRoutes(deps: Pick<SourceDeps, 'prisma'>, id: string): Promise<RoutingRule[]> {
  const row = await deps.prisma.source.findUnique({ where: { id }, select: { settings: true } });
  if (!row) throw new SourceError('source_not_found', `no source ${id}`);
  return readSourceSetting(row.settings, 'routes') ?? [];
}

/**
 * Replaces a source's rules with what `edit` makes of the current ones. The result is checked as a save of
 * settings.routes is (a refusal is a ZodError naming routes.<index>.<field>) and nothing is written unless
 * it passes; `edit` may throw to refuse the change, and nothing is written then either.
 */
export async function editSourceRoutes(
  deps: Pick<SourceDeps, 'prisma'>,
  id: string,
  edit: (routes: RoutingRule[]) => unknown,
): Promise<RoutingRule[]> {
  return deps.prisma.$transaction(async (tx) => {
    const [found] = await tx.$queryRaw<{ settings: Prisma.JsonValue }[]>`
      SELECT settings FROM sources WHERE id = ${id}::uuid FOR UPDATE`;
    if (!found) throw new SourceError('source_not_found', `no source ${id}`);
    const parsed = routingRulesSchema.safeParse(edit(readSourceSetting(found.settings, 'routes') ?? []));
    if (!parsed.success) {
      throw new z.ZodError(parsed.error.issues.map((issue) => ({ ...issue, path: ['routes', ...issue.path] })));
    }
    const stored = typeof found.settings === 'object' && found.settings !== null ? found.settings : {};
    await tx.source.update({
      where: { id },
      data: { settings: { ...(stored as Prisma.JsonObject), routes: parsed.data } as Prisma.InputJsonObject },
    });
    return parsed.data;
  });
}
