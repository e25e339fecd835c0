// Env parsing shared by every app: each app extends `baseConfigSchema` in its own config.ts and
// calls `parseConfig` once in main.ts; nothing else reads process.env.
import { isIP } from 'node:net';
import { z } from 'zod';
import { CONFIG_FILE_ENV, readConfigFile } from './config-file.js';

export {
  CONFIG_FILE_ENV,
  CONFIG_FILE_SETTINGS,
  GITHUB_WEBHOOK_PATHS,
  payloadSize,
  readConfigFile,
  type ConfigFileResult,
  type ConfigFileSetting,
} from './config-file.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'debug', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A TCP port; 0 asks the OS for a free one (tests). */
export const port = z.coerce.number().int().min(0).max(65535);
export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().min(0);
/** Env booleans: "true"/"1"/"yes" and "false"/"0"/"no". */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * Express's `trust proxy`, never `true` (that would let any client pick its own IP with
 * X-Forwarded-For): unset or "0" trusts nothing; a number trusts that many proxy hops; otherwise a
 * comma-separated list of proxy addresses or CIDR ranges (or express's names: loopback, linklocal,
 * uniquelocal).
 */
export const trustProxy = z.string().transform((value, ctx): number | string[] => {
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

const postgresUrl = z
  .string()
  .url()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL');
const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL');

export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DATABASE_URL: postgresUrl,
  /** Connections in this process's Postgres pool. */
  DATABASE_POOL_MAX: positiveInt.default(10),
  /** Waiting for a Postgres connection fails after this (an unreachable database answers 503 fast). */
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(3000),
  REDIS_URL: redisUrl,
  /** BullMQ key prefix: every queue key in Redis starts with it (tests use one per run). */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('hookfleet'),
  /**
   * Retries after the first attempt, for every event job. The n-th retry waits
   * min(JOB_BACKOFF_MAX_MS, JOB_BACKOFF_DELAY_MS * JOB_BACKOFF_MULTIPLIER^(n-1)), less up to
   * JOB_BACKOFF_JITTER of it at random, or longer when the downstream sent Retry-After.
   */
  JOB_MAX_RETRIES: nonNegativeInt.default(3),
  JOB_BACKOFF_DELAY_MS: positiveInt.default(1000),
  JOB_BACKOFF_MULTIPLIER: z.coerce.number().min(1).max(10).default(2),
  JOB_BACKOFF_MAX_MS: positiveInt.default(300_000),
  JOB_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.5),
  /** Past this long after the delivery, a failed event is dead even with retries left (unset: no limit). */
  JOB_MAX_ELAPSED_MS: positiveInt.optional(),
  /**
   * Encrypts source secrets at rest: 32 random bytes, base64 (`openssl rand -base64 32`). Needed by the
   * ingress and admin once sources exist; the built-in GitHub source (GITHUB_WEBHOOK_SECRET) needs none.
   */
  /** GitHub's REST API (hook ranges from /meta, missed-delivery recovery); GitHub Enterprise or a test server elsewhere. */
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  SOURCE_SECRETS_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  /**
   * An OTLP/HTTP collector's base URL (`http://collector:4318`): traces go to its `/v1/traces`. Unset: tracing
   * is off (no spans, no trace ids).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .url()
    .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL')
    .optional(),
  /** The share of traces recorded, 0 to 1 (decided where each trace starts; a trace is whole or absent). */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Where the values loadConfigSources took from the config file came from: env key -> path in the file. */
const fileOrigins = new WeakMap<object, { file: string; paths: Record<string, string> }>();

/**
 * The settings an app validates: env over the JSON file WEBHOOK_CONFIG_FILE names (if set), over the
 * schema's defaults (applied later, by the schema). The file's settings arrive as the env strings they stand
 * for; empty env values count as unset. A file that cannot be read or does not fit is a ConfigError naming
 * it. Passing the result in again returns it as it is (the file is read once).
 */
export function loadConfigSources(env: Record<string, string | undefined>): Readonly<Record<string, string>> {
  if (fileOrigins.has(env)) return env as Readonly<Record<string, string>>;
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const path = present[CONFIG_FILE_ENV];
  if (path === undefined) return present;
  const read = readConfigFile(path);
  if (!read.ok) throw new ConfigError(read.issues);
  const merged = Object.freeze({ ...read.env, ...present });
  const paths = Object.fromEntries(Object.entries(read.origins).filter(([key]) => !Object.hasOwn(present, key)));
  fileOrigins.set(merged, { file: read.file, paths });
  return merged;
}

/**
 * `KEY` (or `KEY.nested.path`), followed by where in the config file its value came from when it did:
 * `WEBHOOK_PORT (webhook.server.port in /etc/hookfleet/webhook_config.json)`. `env` is loadConfigSources's result.
 */
export function describeConfigKey(env: object, keyPath: string): string {
  const origin = fileOrigins.get(env);
  const path = origin?.paths[keyPath.split('.')[0] ?? ''];
  return origin && path ? `${keyPath} (${path} in ${origin.file})` : keyPath;
}

/**
 * Parses env (and the config file it names, see loadConfigSources) against a schema, naming every bad key at
 * once. Empty strings count as unset.
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined>,
): z.infer<Schema> {
  const sources = loadConfigSources(env);
  const result = schema.safeParse(sources);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map(
        (issue) =>
          `${issue.path.length > 0 ? describeConfigKey(sources, issue.path.join('.')) : '(root)'}: ${issue.message}`,
      ),
    );
  }
  return result.data;
}
