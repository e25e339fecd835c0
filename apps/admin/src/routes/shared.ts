import { z } from 'zod';

export const pagination = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const idParams = z.object({ id: z.string().uuid('must be a UUID') });
