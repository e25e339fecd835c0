import { port, positiveInt } from '@hookfleet/config';
import { queueConfigSchema } from '@hookfleet/queue';
import { z } from 'zod';

export const adminConfigSchema = queueConfigSchema.extend({
  ADMIN_PORT: port.default(3002),
  ADMIN_HOST: z.string().default('0.0.0.0'),
  ADMIN_API_TOKEN: z.string().min(16, 'required, at least 16 characters: the bearer token for the admin API'),
  /** Standard Webhooks secret (whsec_...) MAS signs its callbacks with; unset: the callback route answers 404. */
  MAS_CALLBACK_SECRET: z.string().min(1).optional(),
  /** The daily cleanup deletes finished events (and BullMQ's completed jobs) older than this. */
  RETENTION_DAYS: positiveInt.default(30),
  /** How often sources' scheduled dead-letter re-drive (settings.deadLetterRedrive) looks for due events. */
  DEAD_LETTER_REDRIVE_SCAN_MS: positiveInt.default(60_000),
});
export type AdminConfig = z.infer<typeof adminConfigSchema>;
