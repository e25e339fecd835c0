import { z } from 'zod';

export const pagination = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** The rows of one page, in Prisma's terms. */
export type PageWindow = { take: number; skip: number };

/** One page of an offset-paged list, read with its total, as the API answers it: `{ data, pagination }`. */
export async function offsetPage<Row, View>(
  page: z.infer<typeof pagination>,
  read: { rows: (window: PageWindow) => Promise<Row[]>; total: () => Promise<number> },
  view: (row: Row) => View,
) {
  const [rows, total] = await Promise.all([read.rows({ take: page.limit, skip: page.offset }), read.total()]);
  return { data: rows.map(view), pagination: { limit: page.limit, offset: page.offset, total } };
}

export const idParams = z.object({ id: z.string().uuid('must be a UUID') });

/** A time bound on a filter: what Postgres's timestamptz holds comfortably (years 1970 to 9999). */
export const filterDate = z.coerce
  .date()
  .min(new Date('1970-01-01T00:00:00Z'), 'must be after 1970')
  .max(new Date('9999-12-31T23:59:59Z'), 'must be before the year 10000');

/** A pull request number: positive, and within the Int column it is compared with. */
export const prNumber = z.coerce.number().int().positive().max(2_147_483_647);
