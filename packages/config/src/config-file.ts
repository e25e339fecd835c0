// WEBHOOK_CONFIG_FILE: a JSON file of settings under webhook.server, webhook.security and webhook.queue
// (config/webhook_config.json is an example), read into the env keys its settings stand for. The file is only ever a source of env strings: the apps' schemas validate them exactly as they
// validate env, so a value means the same wherever it is set. Precedence (in loadConfigSources): env, then
// this file, then the schemas' defaults.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/** The env var naming the file. */
export const CONFIG_FILE_ENV = 'WEBHOOK_CONFIG_FILE';

/**
 * The paths the ingress serves the built-in GitHub source on: three spellings, so a sender set up with
 * any of them is served. The routes are fixed, so `webhook.server.path` may name any of them and moves nothing; any other value is
 * refused rather than silently not served. The ingress mounts its routes from this list.
 */
export const GITHUB_WEBHOOK_PATHS = ['/webhooks/github', '/webhook/github', '/api/v1/webhooks/github'] as const;

/** One setting of the file and the env key it stands for. */
export interface ConfigFileSetting {
  /** Where it sits in the file. */
  path: string;
  /**
   * The env key it sets; null: none (accepted, means nothing here). Ending in `*`, the setting is an object
   * and each of its keys, upper-cased, completes the env key: `webhook.queue.concurrency.deployment` ->
   * WORKER_CONCURRENCY_DEPLOYMENT.
   */
  env: string | null;
  /** The JSON value's type. Limits and formats are the apps' schemas' job, on the env string. */
  file: z.ZodType;
  /** The string env would carry; undefined leaves the key to env and the defaults. */
  toEnv: (value: unknown) => string | undefined;
}

function setting<T>(
  path: string,
  env: string | null,
  file: z.ZodType<T>,
  toEnv: (value: T) => string | undefined,
): ConfigFileSetting {
  // Only ever called with what `file` parsed, so the value is a T.
  return { path, env, file, toEnv: toEnv as (value: unknown) => string | undefined };
}

/** A setting whose value is an object: each key, upper-cased, completes the env key in place of the `*`. */
function family<T>(
  path: string,
  env: `${string}*`,
  name: z.ZodType<string>,
  file: z.ZodType<T>,
  toEnv: (value: T) => string | undefined,
): ConfigFileSetting {
  return setting(path, env, z.record(name, file), toEnv as (value: unknown) => string | undefined);
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
/** "10mb", "512kb", "1.5mb", "2048" (1 kb = 1024 bytes, as express's body parser counts) or a number of bytes. */
export const payloadSize = z
  .union([z.number(), z.string()], { error: 'must be a size such as "10mb" or "512kb", or a number of bytes' })
  .transform((value, ctx): number => {
    if (typeof value === 'number') return value;
    const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(value.trim());
    if (!match) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a size such as "10mb" or "512kb", or a number of bytes; not "${value}"`,
      });
      return z.NEVER;
    }
    return Math.floor(Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1));
  });

const githubPath = z.string().refine((value) => (GITHUB_WEBHOOK_PATHS as readonly string[]).includes(value), {
  message: `the ingress serves the built-in GitHub source on fixed routes (${GITHUB_WEBHOOK_PATHS.join(', ')}); path can only name one of them`,
});
const toggle = z.boolean();
const number = z.number();
const addresses = z
  .array(z.string().regex(/^[^,]*$/, 'one address or CIDR range per entry'))
  .min(1, "list at least one address or range, or leave allowedIps out for GitHub's published hook ranges");
const queueName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a queue name: lower-case letters, digits and _');

/**
 * Every setting the file may hold, each env key named once. Settings sharing a path share a value type;
 * env keys the file sets are all read by some app (an e2e test checks against the apps' schemas).
 */
export const CONFIG_FILE_SETTINGS: readonly ConfigFileSetting[] = [
  setting('webhook.server.port', 'WEBHOOK_PORT', number, String),
  setting('webhook.server.path', null, githubPath, () => undefined),
  setting('webhook.server.maxPayloadSize', 'WEBHOOK_MAX_BODY_BYTES', payloadSize, String),
  setting('webhook.security.enablePayloadValidation', 'WEBHOOK_PAYLOAD_VALIDATION', toggle, (on) =>
    on ? 'enforce' : 'record',
  ),
  setting('webhook.security.enableRateLimiting', 'WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE', toggle, (on) =>
    on ? undefined : '0',
  ),
  setting('webhook.security.enableRateLimiting', 'WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR', toggle, (on) =>
    on ? undefined : '0',
  ),
  setting('webhook.security.enableIPWhitelist', 'WEBHOOK_ENABLE_IP_WHITELIST', toggle, String),
  setting('webhook.security.allowedIps', 'WEBHOOK_ALLOWED_IPS', addresses, (list) => list.join(',')),
  setting('webhook.queue.processing.maxRetries', 'JOB_MAX_RETRIES', number, String),
  setting('webhook.queue.processing.retryDelay', 'JOB_BACKOFF_DELAY_MS', number, String),
  setting('webhook.queue.processing.maxRetryDelay', 'JOB_BACKOFF_MAX_MS', number, String),
  setting('webhook.queue.processing.multiplier', 'JOB_BACKOFF_MULTIPLIER', number, String),
  setting('webhook.queue.processing.maxElapsedTime', 'JOB_MAX_ELAPSED_MS', number, String),
  setting('webhook.queue.processing.concurrency', 'WORKER_CONCURRENCY', number, String),
  // Queue names are checked by the worker (parseWorkerConfig): this package cannot know them.
  family('webhook.queue.concurrency', 'WORKER_CONCURRENCY_*', queueName, number, String),
  setting('webhook.queue.taskRetryPolicies', 'TASK_RETRY_POLICIES', z.record(z.string(), z.unknown()), (policies) =>
    JSON.stringify(policies),
  ),
];

interface Branch {
  [key: string]: Branch | z.ZodType;
}

/** The file's shape, built from the settings: nested strict objects, every key optional. */
function buildFileSchema(settings: readonly ConfigFileSetting[]): z.ZodType {
  const root: Branch = {};
  for (const { path, file } of settings) {
    const keys = path.split('.');
    const leaf = keys.pop()!;
    let branch = root;
    for (const key of keys) branch = (branch[key] ??= {}) as Branch;
    if (branch[leaf] !== undefined && branch[leaf] !== file) throw new Error(`${path}: settings disagree on its type`);
    branch[leaf] = file;
  }
  const toSchema = (branch: Branch): z.ZodType =>
    z.strictObject(
      Object.fromEntries(
        Object.entries(branch).map(([key, node]) => [
          key,
          (node instanceof z.ZodType ? node : toSchema(node)).optional(),
        ]),
      ),
    );
  return toSchema(root);
}
const fileSchema = buildFileSchema(CONFIG_FILE_SETTINGS);

function valueAt(data: unknown, path: string): unknown {
  let value = data;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = [
      ...new Set(
        CONFIG_FILE_SETTINGS.map(({ path }) => path.split('.'))
          .filter((keys) => keys.slice(0, issue.path.length).join('.') === at && keys.length > issue.path.length)
          .map((keys) => keys[issue.path.length]),
      ),
    ];
    return issue.keys.map((key) => `${at ? `${at}.` : ''}${key}: unknown key; known here: ${known.join(', ')}`);
  }
  const message = issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
  return [`${at || '(root)'}: ${message}`];
}

export type ConfigFileResult =
  | {
      ok: true;
      /** The file's absolute path. */
      file: string;
      /** The env keys the file sets, with the strings env would carry. */
      env: Record<string, string>;
      /** Each env key's path in the file. */
      origins: Record<string, string>;
    }
  | { ok: false; issues: string[] };

/**
 * Reads a config file (see CONFIG_FILE_SETTINGS) into env keys. A missing file, bad JSON, an unknown key
 * or a value of the wrong type is an issue naming the file, and the key's path in it.
 */
export function readConfigFile(path: string): ConfigFileResult {
  const file = resolve(path);
  const where = `${CONFIG_FILE_ENV} ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, issues: [`${where}: cannot be read (${(error as Error).message})`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [`${where}: not valid JSON (${(error as Error).message})`] };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.flatMap(describeIssue).map((issue) => `${where}: ${issue}`) };
  }
  const env: Record<string, string> = {};
  const origins: Record<string, string> = {};
  const set = (key: string, path: string, value: string | undefined) => {
    if (value === undefined) return;
    env[key] = value;
    origins[key] = path;
  };
  for (const { path, env: key, toEnv } of CONFIG_FILE_SETTINGS) {
    const value = valueAt(parsed.data, path);
    if (value === undefined || key === null) continue;
    if (key.endsWith('*')) {
      for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
        set(`${key.slice(0, -1)}${name.toUpperCase()}`, `${path}.${name}`, toEnv(entry));
      }
    } else {
      set(key, path, toEnv(value));
    }
  }
  return { ok: true, file, env, origins };
}
