// The event list's total is exact up to a cap and flagged past it, so a large table costs the first page
// no full count.
import type { PrismaClient } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import type { RunningAdmin } from './admin.js';
import { EVENT_COUNT_CAP } from './event-query.js';

const TOKEN = 'admin-count-test-token-0123456789';
const environment = useTestEnvironment();
let prisma: PrismaClient;
let server: RunningAdmin;

beforeAll(async () => {
  server = environment.stopAtEnd(await startTestAdmin(environment.env, TOKEN));
  prisma = environment.prisma;
  // One more than the cap, five of them in a repository of their own.
  await prisma.$executeRaw`
    INSERT INTO webhook_events (id, provider, hook_id, delivery_id, event_type, headers, payload, body_sha256, queue, repository)
    SELECT gen_random_uuid(), 'github', '1', 'd' || n, 'push', '{}', '{}', 'x', 'default',
           CASE WHEN n <= 5 THEN 'octo/few' ELSE 'octo/many' END
      FROM generate_series(1, ${EVENT_COUNT_CAP + 1}) AS n`;
}, 120_000);

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
