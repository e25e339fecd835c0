import { isIP } from 'node:net';
import { envBoolean, nonNegativeInt, port, positiveInt } from '@hookfleet/config';
import { MAX_BODY_BYTES_CAP, cidrSchema } from '@hookfleet/sources';
import { queueConfigSchema } from '@hookfleet/queue';
import { z } from 'zod';

/**
 * Express's `trust proxy`, never `true` (that would let any client pick its own IP with
 * X-Forwarded-For): unset or "0" trusts nothing; a number trusts that many proxy hops; otherwise a
 * comma-separated list of proxy addresses or CIDR ranges (or express's names: loopback, linklocal,
 * uniquelocal).
 */
const trustProxy = z.string().transform((value, ctx): number | string[] => {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const entries = trimmed
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
  const bad = entries.filter((entry) => !named.has(entry) && !isIP(entry.split('/')[0] ?? ''));
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `a hop count or proxy addresses/CIDR ranges; not: ${bad.join(', ') || value}`,
    });
    return z.NEVER;
  }
  return entries;
});

export const ingressConfigSchema = queueConfigSchema.extend({
  WEBHOOK_PORT: port.default(3001),
  WEBHOOK_HOST: z.string().default('0.0.0.0'),
  /** The built-in GitHub source behind POST /webhooks/github; unset: only configured sources are served. */
  GITHUB_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** The built-in GitHub source's allowlist (the design documents' names): enabled with no list, GitHub's published hook ranges. */
  WEBHOOK_ENABLE_IP_WHITELIST: envBoolean.default(false),
  WEBHOOK_ALLOWED_IPS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(cidrSchema))
    .optional(),
  /** The built-in GitHub source's payload validation: record the verdict, or refuse invalid payloads. */
  WEBHOOK_PAYLOAD_VALIDATION: z.enum(['record', 'enforce']).default('record'),
  /** The default body limit; a source may set a lower one. GitHub caps deliveries at 25 MB. */
  WEBHOOK_MAX_BODY_BYTES: positiveInt.max(MAX_BODY_BYTES_CAP).default(MAX_BODY_BYTES_CAP),
  TRUST_PROXY: trustProxy.default(0),
  /** Shared across replicas through Redis; 0 turns a limit off. */
  WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: nonNegativeInt.default(1200),
  WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: nonNegativeInt.default(5000),
  /** Where GitHub's /meta (webhook source ranges) is read from; tests point it at a local server. */
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  GITHUB_META_REFRESH_MS: positiveInt.default(3600_000),
  /** How long a source's settings and secrets are cached; a change reaches every replica within it. */
  SOURCE_CACHE_TTL_MS: nonNegativeInt.default(5000),
});
export type IngressConfig = z.infer<typeof ingressConfigSchema>;
