// The event list's total is exact up to a cap and flagged past it, so a large table costs the first page
// no full count.
import { parseConfig } from '@hookfleet/config';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type RunningAdmin } from './admin.js';
import { adminConfigSchema } from './config.js';
import { EVENT_COUNT_CAP } from './event-query.js';

const TOKEN = 'admin-count-test-token-0123456789';
let environment: TestEnvironment;
let prisma: PrismaClient;
let server: RunningAdmin;

beforeAll(async () => {
  environment = await testEnvironment();
  server = await startAdmin(
    parseConfig(adminConfigSchema, {
      ...environment.env,
      ADMIN_PORT: '0',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_API_TOKEN: TOKEN,
    }),
  );
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 2 });
  // One more than the cap, five of them in a repository of their own.
  await prisma.$executeRaw`
    INSERT INTO webhook_events (id, provider, hook_id, delivery_id, event_type, headers, payload, body_sha256, queue, repository)
    SELECT gen_random_uuid(), 'github', '1', 'd' || n, 'push', '{}', '{}', 'x', 'default',
           CASE WHEN n <= 5 THEN 'octo/few' ELSE 'octo/many' END
      FROM generate_series(1, ${EVENT_COUNT_CAP + 1}) AS n`;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await prisma?.$disconnect();
  await environment?.cleanup();
});

async function pagination(query: string) {
  const response = await fetch(`${server.url}/api/v1/events?${query}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { pagination: { total: number; total_capped: boolean } }).pagination;
}

describe('the event list total', () => {
  it('stops counting at the cap and says so', async () => {
    expect(await pagination('limit=1')).toMatchObject({ total: EVENT_COUNT_CAP, total_capped: true });
  });

  it('is exact below the cap', async () => {
    expect(await pagination('repository=octo/few')).toMatchObject({ total: 5, total_capped: false });
    expect(await pagination('repository=octo/many')).toMatchObject({ total: EVENT_COUNT_CAP - 4, total_capped: false });
  });
});
