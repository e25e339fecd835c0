import { baseConfigSchema, port } from '@hookfleet/config';
import { z } from 'zod';

export const adminConfigSchema = baseConfigSchema.extend({
  ADMIN_PORT: port.default(3002),
  ADMIN_HOST: z.string().default('0.0.0.0'),
  ADMIN_API_TOKEN: z.string().min(16, 'required, at least 16 characters: the bearer token for the admin API'),
});
export type AdminConfig = z.infer<typeof adminConfigSchema>;
