import type { z } from 'zod';
import { AppError } from '@hookfleet/http';

/** Parses query or params with zod; a failure is a 400 naming each bad field. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new AppError(
      'invalid_request',
      'request parameters are invalid',
      result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
}
