// The events filter shared by the list, bulk reprocess and the dead-letter views: column filters, a
// delivery-time window and payload fields (`payload.pull_request.number=42`), newest first, with a keyset
// cursor over the delivery sequence (or a bounded offset). Payload fields become one JSON containment test (payload @> {...}),
// which the GIN index on payload (jsonb_path_ops) answers without reading every row.
import { Prisma, EventStatus, type PrismaClient } from '@hookfleet/db';
import { PROCESSED_EVENT_STATUSES } from '@hookfleet/events';
import { buildDocument, findUnsafeInput, parseDottedPath } from '@hookfleet/key-paths';
import { z } from 'zod';
import { filterDate } from './routes/shared.js';

const PAYLOAD_FIELD = /^payload\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+){0,15})$/;
/** Nesting allowed in a payload filter's value: enough for any real match, far from Postgres's stack limit. */
const MAX_VALUE_DEPTH = 32;
/** Postgres bigint: a longer cursor was never given out. */
const MAX_CURSOR = 2n ** 63n - 1n;

export const eventFilterSchema = z
  .object({
    provider: z.string().min(1).optional(),
    source_id: z.uuid().optional(),
    event_type: z.string().min(1).optional(),
    action: z.string().min(1).optional(),
    status: z.enum(EventStatus).optional(),
    repository: z.string().min(1).optional(),
    sender: z.string().min(1).optional(),
    delivery_id: z.string().min(1).optional(),
    since: filterDate.optional(),
    until: filterDate.optional(),
    /** Payload fields: dotted path -> value (JSON when it parses as JSON, else the string itself). */
    payload: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9_.-]+$/)
          .superRefine((path, ctx) => {
            const parsed = parseDottedPath(path);
            if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
          }),
        z.unknown().superRefine((value, ctx) => {
          const unsafe = findUnsafeInput(typeof value === 'string' ? parseJsonish(value) : value, MAX_VALUE_DEPTH);
          if (unsafe) ctx.addIssue({ code: 'custom', message: `not a usable filter value (${unsafe.kind})` });
        }),
      )
      .optional(),
  })
  .strict();
export type EventFilter = z.infer<typeof eventFilterSchema>;

const cursorPage = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  /** Opaque: the `next_cursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'not a cursor this API gave out')
    .transform((value) => BigInt(value))
    .refine((value) => value <= MAX_CURSOR, 'not a cursor this API gave out')
    .optional(),
});

/**
 * The deepest offset the list accepts. Postgres reads and throws away every skipped row, so a page's cost
 * grows with its offset; and the list's total is exact only up to EVENT_COUNT_CAP, so an offset past it
 * would page through matches nobody was told exist. Deeper than this, the cursor pages at constant cost.
 */
export const MAX_EVENT_OFFSET = 10_000;

/** The list's page: a cursor or an offset (not both), over the same newest-first order. */
export const eventPage = cursorPage.extend({
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_EVENT_OFFSET, `at most ${MAX_EVENT_OFFSET}; page deeper with the cursor`)
    .optional(),
});

/** The list's own filter beside the shared one, as a query string says it: true or false. */
export const eventListFilter = z.object({
  /** true: status is processed; false: any other status (on its way, dead or discarded). */
  processed: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
});
export type EventListFilter = EventFilter & z.infer<typeof eventListFilter>;

/** Splits a query string's `payload.*` keys out of the rest, so both can be validated. */
export function splitPayloadFields(query: Record<string, unknown>): Record<string, unknown> {
  // Null prototypes: a key such as "__proto__" stays an own key the schema sees (and refuses).
  const rest = Object.create(null) as Record<string, unknown>;
  const payload = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(query)) {
    const field = PAYLOAD_FIELD.exec(key);
    if (field?.[1] && typeof value === 'string') payload[field[1]] = value;
    else rest[key] = value;
  }
  if (Object.keys(payload).length > 0) rest.payload = payload;
  return rest;
}

/** {"pull_request.number": "42"} -> {"pull_request": {"number": 42}}; the schema has refused unsafe paths. */
function containment(fields: Record<string, unknown>): Record<string, unknown> {
  return buildDocument(
    Object.entries(fields).map(([path, raw]) => [path.split('.'), typeof raw === 'string' ? parseJsonish(raw) : raw]),
  );
}

function parseJsonish(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function conditions(filter: EventListFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  const equals = (column: string, value: string | undefined) => {
    if (value !== undefined) where.push(Prisma.sql`${Prisma.raw(column)} = ${value}`);
  };
  equals('provider', filter.provider);
  equals('event_type', filter.event_type);
  equals('action', filter.action);
  equals('repository', filter.repository);
  equals('sender', filter.sender);
  equals('delivery_id', filter.delivery_id);
  if (filter.source_id) where.push(Prisma.sql`source_id = ${filter.source_id}::uuid`);
  if (filter.status) where.push(Prisma.sql`status = ${filter.status}::"EventStatus"`);
  if (filter.processed !== undefined) {
    const processed = Prisma.join(PROCESSED_EVENT_STATUSES.map((status) => Prisma.sql`${status}::"EventStatus"`));
    where.push(filter.processed ? Prisma.sql`status IN (${processed})` : Prisma.sql`status NOT IN (${processed})`);
  }
  if (filter.since) where.push(Prisma.sql`received_at >= ${filter.since}`);
  if (filter.until) where.push(Prisma.sql`received_at < ${filter.until}`);
  if (filter.payload) where.push(Prisma.sql`payload @> ${JSON.stringify(containment(filter.payload))}::jsonb`);
  return where;
}

/**
 * One page of matching event ids, newest first, and the cursor of the next page (null: the last). The page
 * starts after the cursor, or skips `offset` matches; a cursor page's next cursor also continues an offset page.
 */
export async function findEventIds(
  prisma: PrismaClient,
  filter: EventListFilter,
  page: { limit: number; cursor?: bigint; offset?: number },
): Promise<{ ids: string[]; nextCursor: string | null }> {
  const where = conditions(filter);
  if (page.cursor !== undefined) where.push(Prisma.sql`sequence < ${page.cursor}`);
  const clause = where.length > 0 ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty;
  const rows = await prisma.$queryRaw<Array<{ id: string; sequence: bigint }>>`
    SELECT id::text AS id, sequence FROM webhook_events ${clause}
     ORDER BY sequence DESC LIMIT ${page.limit + 1} OFFSET ${page.offset ?? 0}`;
  const more = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  return { ids: pageRows.map((row) => row.id), nextCursor: more ? String(pageRows.at(-1)!.sequence) : null };
}

/**
 * The list's total is exact up to this many matches; past it, counting would read every matching row
 * (a million-row table turns a 10 ms page into a 200 ms one), so the answer says "at least" instead.
 */
export const EVENT_COUNT_CAP = 10_000;

/** Matching events, counted up to EVENT_COUNT_CAP + 1: `capped` when there are more than the cap. */
export async function countEvents(
  prisma: PrismaClient,
  filter: EventListFilter,
): Promise<{ total: number; capped: boolean }> {
  const where = conditions(filter);
  const clause = where.length > 0 ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty;
  const [row] = await prisma.$queryRaw<Array<{ count: bigint }>>`
    SELECT count(*) AS count FROM (SELECT 1 FROM webhook_events ${clause} LIMIT ${EVENT_COUNT_CAP + 1}) AS matching`;
  const count = Number(row?.count ?? 0);
  return count > EVENT_COUNT_CAP ? { total: EVENT_COUNT_CAP, capped: true } : { total: count, capped: false };
}
