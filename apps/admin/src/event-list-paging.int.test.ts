// The event list's `offset` and `processed` parameters beside the cursor: what each selects, how they
// combine with the other filters and the cursor, and the 400s for values the list does not take.
import { EventStatus, type PrismaClient } from '@hookfleet/db';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { PROCESSED_EVENT_STATUSES } from '@hookfleet/events';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import type { RunningAdmin } from './admin.js';
import { MAX_EVENT_OFFSET } from './event-query.js';

const TOKEN = 'admin-paging-test-token-0123456789';
const environment = useTestEnvironment();
let prisma: PrismaClient;
let server: RunningAdmin;
/** One event per status, delivered in this order (so the list shows them reversed). */
const STATUSES = Object.values(EventStatus);

interface Listed {
  data: Array<{ delivery_id: string; status: EventStatus; processed: boolean }>;
  pagination: { limit: number; offset: number | null; next_cursor: string | null; total: number };
}

beforeAll(async () => {
  server = environment.stopAtEnd(await startTestAdmin(environment.env, TOKEN));
  prisma = environment.prisma;
  for (const status of STATUSES) {
    await prisma.webhookEvent.create({
      data: {
        provider: 'github',
        hookId: '1',
        deliveryId: `d-${status}`,
        eventType: status === 'dead' ? 'push' : 'pull_request',
        headers: {},
        payload: {},
        bodySha256: 'x',
        queue: 'default',
        status,
      },
    });
  }
});

async function list(query: string) {
  const response = await fetch(`${server.url}/api/v1/events?${query}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return { status: response.status, body: (await response.json()) as Listed & { code?: string; details?: unknown } };
}

async function listed(query: string): Promise<Listed> {
  const answer = await list(query);
  expect(answer.status, query).toBe(200);
  return answer.body;
}

const deliveries = (page: Listed) => page.data.map((event) => event.delivery_id);

describe('processed', () => {
  it('true selects exactly the processed statuses, false every other one, and each event’s field agrees', async () => {
    const done = await listed('processed=true');
    const notDone = await listed('processed=false');
    expect(done.data.map((event) => event.status).sort()).toEqual([...PROCESSED_EVENT_STATUSES].sort());
    expect(done.data.every((event) => event.processed)).toBe(true);
    expect(notDone.data.map((event) => event.status).sort()).toEqual(
      STATUSES.filter((status) => !(PROCESSED_EVENT_STATUSES as readonly string[]).includes(status)).sort(),
    );
    expect(notDone.data.every((event) => !event.processed)).toBe(true);
    expect(done.pagination.total + notDone.pagination.total).toBe(STATUSES.length);
  });

  it('narrows the other filters instead of replacing them', async () => {
    expect(deliveries(await listed('processed=false&event_type=push'))).toEqual(['d-dead']);
    expect(deliveries(await listed('processed=true&event_type=push'))).toEqual([]);
    expect((await listed('processed=true&status=dead')).pagination.total).toBe(0);
  });
});

describe('offset', () => {
  it('skips that many matches, newest first, and pages through the list without repeats or gaps', async () => {
    const whole = deliveries(await listed('limit=100'));
    expect(whole).toHaveLength(STATUSES.length);
    const paged: string[] = [];
    for (let offset = 0; offset < whole.length; offset += 3) {
      const page = await listed(`limit=3&offset=${offset}`);
      expect(page.pagination).toMatchObject({ limit: 3, offset, total: STATUSES.length });
      paged.push(...deliveries(page));
    }
    expect(paged).toEqual(whole);
    expect((await listed(`offset=${whole.length}`)).data).toEqual([]);
  });

  it('applies after the filters, and an offset page’s next cursor continues it', async () => {
    const notDone = deliveries(await listed('processed=false'));
    const page = await listed('processed=false&limit=2&offset=1');
    expect(deliveries(page)).toEqual(notDone.slice(1, 3));
    const next = await listed(`processed=false&limit=2&cursor=${page.pagination.next_cursor}`);
    expect(deliveries(next)).toEqual(notDone.slice(3, 5));
    expect(next.pagination.offset).toBeNull();
  });

  it('is 0 when neither an offset nor a cursor is given', async () => {
    expect((await listed('limit=1')).pagination.offset).toBe(0);
  });
});

describe('refused values', () => {
  it.each([
    ['offset with a cursor', 'offset=1&cursor=5', 'offset'],
    ['a negative offset', 'offset=-1', 'offset'],
    ['an offset past the deepest', `offset=${MAX_EVENT_OFFSET + 1}`, 'offset'],
    ['a fractional offset', 'offset=1.5', 'offset'],
    ['processed that is not true or false', 'processed=yes', 'processed'],
    ['processed given twice', 'processed=true&processed=false', 'processed'],
  ])('answers 400 naming the field for %s', async (_case, query, field) => {
    const answer = await list(query);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid_request');
    expect(answer.body.details).toContainEqual(expect.objectContaining({ field }));
  });

  it('takes the deepest offset itself', async () => {
    expect((await listed(`offset=${MAX_EVENT_OFFSET}`)).data).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  it('documents offset with its bound and processed as true or false on the event list', async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const document = (await response.json()) as {
      paths: Record<string, { get?: { parameters: Array<{ name: string; schema: Record<string, unknown> }> } }>;
    };
    const parameters = document.paths['/api/v1/events']!.get!.parameters;
    const schemaOf = (name: string) => parameters.find((parameter) => parameter.name === name)?.schema;
    expect(schemaOf('offset')).toMatchObject({ maximum: MAX_EVENT_OFFSET, minimum: 0 });
    expect(schemaOf('processed')).toMatchObject({ enum: ['true', 'false'] });
    expect(schemaOf('cursor')).toBeDefined();
  });
});
