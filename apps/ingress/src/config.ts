import { envBoolean, nonNegativeInt, port, positiveInt, trustProxy } from '@hookfleet/config';
import { MAX_BODY_BYTES_CAP, cidrSchema } from '@hookfleet/sources';
import { queueConfigSchema } from '@hookfleet/queue';
import { z } from 'zod';

export const ingressConfigSchema = queueConfigSchema
  .extend({
    WEBHOOK_PORT: port.default(3001),
    WEBHOOK_HOST: z.string().default('0.0.0.0'),
    /**
     * Set: /metrics and /health move to this port, off the public webhook port (which keeps the probes
     * /health/live and /health/ready for load balancers). Unset: everything on WEBHOOK_PORT.
     */
    METRICS_PORT: port.optional(),
    /** The built-in GitHub source behind POST /webhooks/github; unset: only configured sources are served. */
    GITHUB_WEBHOOK_SECRET: z.string().min(1).optional(),
    /**
     * The built-in GitHub source's allowlist, named after the config file's webhook.security.enableIPWhitelist
     * and allowedIps: enabled with no list, GitHub's published hook ranges.
     */
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
    /**
     * Connection limits: senders give up after about 10 s (GitHub), so a client slower than these is refused
     * rather than holding a socket. 30 s is enough for a 25 MB delivery at 1 MB/s with room to spare.
     */
    WEBHOOK_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
    WEBHOOK_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
    WEBHOOK_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
    WEBHOOK_MAX_CONNECTIONS: positiveInt.default(2_000),
    /** A delivery not stored (and queued) within this is answered 503: the bound when Postgres goes silent. */
    WEBHOOK_STORE_TIMEOUT_MS: positiveInt.default(5_000),
    /**
     * Group commit: a delivery waits up to this long for others to share its INSERT and addBulk (0: only
     * those arriving in the same tick), and a group this large is written at once.
     */
    WEBHOOK_GROUP_COMMIT_WAIT_MS: nonNegativeInt.max(50).default(2),
    WEBHOOK_GROUP_COMMIT_MAX_ROWS: positiveInt.max(100).default(16),
    /** Shared across replicas through Redis; 0 turns a limit off. */
    WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: nonNegativeInt.default(1200),
    WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: nonNegativeInt.default(5000),
    GITHUB_META_REFRESH_MS: positiveInt.default(3600_000),
    /** How long a source's settings and secrets are cached; a change reaches every replica within it. */
    SOURCE_CACHE_TTL_MS: nonNegativeInt.default(5000),
  })
  .refine((config) => config.WEBHOOK_HEADERS_TIMEOUT_MS <= config.WEBHOOK_REQUEST_TIMEOUT_MS, {
    path: ['WEBHOOK_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed WEBHOOK_REQUEST_TIMEOUT_MS (the headers are part of the request)',
  });
export type IngressConfig = z.infer<typeof ingressConfigSchema>;
