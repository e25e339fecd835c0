import { randomBytes } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSecretBox } from './secret-box.js';
import { editSourceRoutes, readSourceRoutes } from './source-routes.js';
import { createSource, updateSource } from './sources.js';

let environment: TestEnvironment;
let prisma: PrismaClient;
const box = createSecretBox(randomBytes(32).toString('base64'));

beforeAll(async () => {
  environment = await testEnvironment();
  // More connections than one: the concurrent edits below must really overlap.
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 5 });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await environment?.cleanup();
});

const storedSettings = async (id: string) =>
  (await prisma.source.findUniqueOrThrow({ where: { id }, select: { settings: true } })).settings;

describe('editing a source’s routing rules', () => {
  it('keeps every one of concurrent additions, and the other settings as they were', async () => {
    const { source } = await createSource(
      { prisma, box },
      { provider: 'standard', name: 'concurrent', settings: { rateLimitPerMinute: 60, retry: { maxRetries: 2 } } },
    );
    const events = Array.from({ length: 8 }, (_, index) => `event.${index}`);
    await Promise.all(
      events.map((event) =>
        editSourceRoutes({ prisma }, source.id, (routes) => [...routes, { event, queue: 'default' }]),
      ),
    );
    const routes = await readSourceRoutes({ prisma }, source.id);
    expect(routes.map((rule) => rule.event).sort()).toEqual(events);
    expect(await storedSettings(source.id)).toMatchObject({ rateLimitPerMinute: 60, retry: { maxRetries: 2 } });
  });

  it('are kept by a settings write that leaves them out, and replaced by one that names them', async () => {
    const deps = { prisma, box };
    const rule = { event: 'invoice.paid', queue: 'default' };
    const { source } = await createSource(deps, { provider: 'standard', name: 'kept', settings: { routes: [rule] } });
    await updateSource(deps, source.id, { settings: { rateLimitPerMinute: 30 } });
    expect(await storedSettings(source.id)).toMatchObject({ rateLimitPerMinute: 30, routes: [rule] });
    await updateSource(deps, source.id, { settings: { routes: [] } });
    expect(await readSourceRoutes({ prisma }, source.id)).toEqual([]);
  });

  it('writes nothing when the result is refused, naming the field under routes', async () => {
    const { source } = await createSource(
      { prisma, box },
      { provider: 'standard', name: 'refused', settings: { routes: [{ event: 'a', queue: 'default' }] } },
    );
    const before = await storedSettings(source.id);
    const refusal = await editSourceRoutes({ prisma }, source.id, (routes) => [
      ...routes,
      { event: 'b', queue: 'workflow', tasks: ['deployment'] },
    ]).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(z.ZodError);
    expect((refusal as z.ZodError).issues.map((issue) => issue.path.join('.'))).toEqual(['routes.1.tasks.0']);
    expect(await storedSettings(source.id)).toEqual(before);
  });

  it('says a source that does not exist is not found', async () => {
    await expect(readSourceRoutes({ prisma }, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'source_not_found',
    });
    await expect(editSourceRoutes({ prisma }, '00000000-0000-4000-8000-000000000000', () => [])).rejects.toMatchObject({
      code: 'source_not_found',
    });
  });
});
