import { baseConfigSchema, port, positiveInt } from '@hookfleet/config';
import { z } from 'zod';

export const ingressConfigSchema = baseConfigSchema.extend({
  WEBHOOK_PORT: port.default(3001),
  WEBHOOK_HOST: z.string().default('0.0.0.0'),
  GITHUB_WEBHOOK_SECRET: z.string().min(1, 'required: the secret set on the GitHub webhook'),
  /** GitHub caps deliveries at 25 MB. */
  WEBHOOK_MAX_BODY_BYTES: positiveInt.default(25 * 1024 * 1024),
});
export type IngressConfig = z.infer<typeof ingressConfigSchema>;
