import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CONFIG_FILE_SETTINGS,
  ConfigError,
  GITHUB_WEBHOOK_PATHS,
  baseConfigSchema,
  loadConfigSources,
  nonNegativeInt,
  parseConfig,
  port,
  positiveInt,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'hookfleet-config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `content` (JSON unless a string) to a new file in the temp dir and returns its path. */
function writeConfig(content: unknown): string {
  const path = join(dir, `webhook_config.${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The env the file stands for. */
const fileEnv = (content: unknown) => loadConfigSources({ WEBHOOK_CONFIG_FILE: writeConfig(content) });

/** The ConfigError issues parsing `env` raises. */
function issuesOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

const required = { DATABASE_URL: 'postgresql://localhost/hookfleet', REDIS_URL: 'redis://localhost:6379' };
/** A stand-in for an app's schema: the shared base plus a few of the keys the file sets. */
const appSchema = baseConfigSchema.extend({
  WEBHOOK_PORT: port.default(3001),
  WEBHOOK_PAYLOAD_VALIDATION: z.enum(['record', 'enforce']).default('record'),
  WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: nonNegativeInt.default(1200),
  WORKER_CONCURRENCY: positiveInt.default(5),
});

/** A file with a setting of each section, as config/webhook_config.json has them. */
const exampleFile = {
  webhook: {
    server: { port: 3001, path: '/webhook/github', maxPayloadSize: '10mb' },
    security: { enablePayloadValidation: true, enableRateLimiting: true, enableIPWhitelist: false },
    queue: { processing: { maxRetries: 3, retryDelay: 1000, concurrency: 5 } },
  },
};

describe('WEBHOOK_CONFIG_FILE', () => {
  it('maps a file onto the env strings its settings stand for', () => {
    const env = fileEnv(exampleFile);
    expect({ ...env, WEBHOOK_CONFIG_FILE: undefined }).toEqual({
      WEBHOOK_CONFIG_FILE: undefined,
      WEBHOOK_PORT: '3001',
      WEBHOOK_MAX_BODY_BYTES: String(10 * 1024 * 1024),
      WEBHOOK_PAYLOAD_VALIDATION: 'enforce',
      WEBHOOK_ENABLE_IP_WHITELIST: 'false',
      JOB_MAX_RETRIES: '3',
      JOB_BACKOFF_DELAY_MS: '1000',
      WORKER_CONCURRENCY: '5',
    });
  });

  it('maps the extensions', () => {
    const env = fileEnv({
      webhook: {
        security: { enablePayloadValidation: false, enableRateLimiting: false, allowedIps: ['10.0.0.0/8', '::1'] },
        queue: {
          processing: { maxRetryDelay: 60_000, multiplier: 1.5, maxElapsedTime: 3600_000 },
          concurrency: { deployment: 2, workflow: 1 },
          taskRetryPolicies: { deployment: { maxRetries: 1 } },
        },
      },
    });
    expect(env).toMatchObject({
      WEBHOOK_PAYLOAD_VALIDATION: 'record',
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR: '0',
      WEBHOOK_ALLOWED_IPS: '10.0.0.0/8,::1',
      JOB_BACKOFF_MAX_MS: '60000',
      JOB_BACKOFF_MULTIPLIER: '1.5',
      JOB_MAX_ELAPSED_MS: '3600000',
      WORKER_CONCURRENCY_DEPLOYMENT: '2',
      WORKER_CONCURRENCY_WORKFLOW: '1',
      TASK_RETRY_POLICIES: '{"deployment":{"maxRetries":1}}',
    });
  });

  it('leaves the rate limits to env and the defaults when rate limiting is on', () => {
    const env = fileEnv({ webhook: { security: { enableRateLimiting: true } } });
    expect(env).not.toHaveProperty('WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE');
    expect(env).not.toHaveProperty('WEBHOOK_RATE_LIMIT_PER_REPOSITORY_PER_HOUR');
  });

  it('applies the file over the defaults, and env over the file', () => {
    const file = writeConfig({
      webhook: {
        server: { port: 4000 },
        security: { enablePayloadValidation: true, enableRateLimiting: false },
        queue: { processing: { maxRetries: 7, concurrency: 9 } },
      },
    });
    const config = parseConfig(appSchema, {
      ...required,
      WEBHOOK_CONFIG_FILE: file,
      WEBHOOK_PORT: '5000',
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: '60',
      // Empty counts as unset, so the file's value stands.
      WORKER_CONCURRENCY: '',
    });
    expect(config).toMatchObject({
      WEBHOOK_PORT: 5000,
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: 60,
      WEBHOOK_PAYLOAD_VALIDATION: 'enforce',
      JOB_MAX_RETRIES: 7,
      WORKER_CONCURRENCY: 9,
      JOB_BACKOFF_DELAY_MS: 1000,
    });
  });

  it('changes nothing without WEBHOOK_CONFIG_FILE', () => {
    expect(loadConfigSources({ ...required, LOG_LEVEL: '', QUEUE_PREFIX: undefined })).toEqual(required);
    expect(parseConfig(appSchema, required).WEBHOOK_PORT).toBe(3001);
  });

  it('reads the file once when its result is passed in again (as parseWorkerConfig does)', () => {
    const file = writeConfig({ webhook: { server: { port: 4000 } } });
    const env = loadConfigSources({ ...required, WEBHOOK_CONFIG_FILE: file });
    rmSync(file);
    expect(loadConfigSources(env)).toBe(env);
    expect(parseConfig(appSchema, env).WEBHOOK_PORT).toBe(4000);
  });

  it('refuses an unknown key, naming its path and the file', () => {
    const file = writeConfig({ webhook: { queue: { processing: { concurency: 5 } }, extra: {} } });
    const issues = issuesOf(() => loadConfigSources({ WEBHOOK_CONFIG_FILE: file }));
    expect(issues).toEqual([
      expect.stringMatching(
        /^WEBHOOK_CONFIG_FILE .*webhook_config\.\d+\.json: webhook\.queue\.processing\.concurency: unknown key; known here: maxRetries, .*concurrency/,
      ),
      expect.stringMatching(/webhook\.extra: unknown key; known here: server, security, queue$/),
    ]);
    expect(issues.every((issue) => issue.includes(file))).toBe(true);
  });

  it('refuses values of the wrong type, naming their paths', () => {
    const issues = issuesOf(() =>
      fileEnv({ webhook: { server: { port: '3001' }, security: { enableIPWhitelist: 'yes' } } }),
    );
    expect(issues).toEqual([
      expect.stringMatching(/webhook\.server\.port: Invalid input: expected number, received string$/),
      expect.stringMatching(/webhook\.security\.enableIPWhitelist: Invalid input: expected boolean, received string$/),
    ]);
    expect(issuesOf(() => fileEnv([]))).toEqual([expect.stringMatching(/\(root\): .*expected object/)]);
  });

  it('refuses bad JSON and a missing file, naming the file', () => {
    const bad = writeConfig('{ "webhook": { ');
    expect(issuesOf(() => loadConfigSources({ WEBHOOK_CONFIG_FILE: bad }))).toEqual([
      expect.stringMatching(new RegExp(`^WEBHOOK_CONFIG_FILE ${bad}: not valid JSON \\(`)),
    ]);
    const missing = join(dir, 'nowhere.json');
    expect(() => parseConfig(appSchema, { ...required, WEBHOOK_CONFIG_FILE: missing })).toThrow(
      `WEBHOOK_CONFIG_FILE ${missing}: cannot be read (ENOENT`,
    );
  });

  it('names the file setting when an app schema refuses the value it stands for', () => {
    const file = writeConfig({ webhook: { server: { port: 70_000 } } });
    expect(issuesOf(() => parseConfig(appSchema, { ...required, WEBHOOK_CONFIG_FILE: file }))).toEqual([
      expect.stringMatching(new RegExp(`^WEBHOOK_PORT \\(webhook\\.server\\.port in ${file}\\): Too big`)),
    ]);
    // Set in env, the same mistake is env's.
    expect(
      issuesOf(() => parseConfig(appSchema, { ...required, WEBHOOK_CONFIG_FILE: file, WEBHOOK_PORT: '-1' })),
    ).toEqual([expect.stringMatching(/^WEBHOOK_PORT: Too small/)]);
  });

  it('reads maxPayloadSize as a size with a unit or a number of bytes', () => {
    const bytes = (maxPayloadSize: unknown) =>
      fileEnv({ webhook: { server: { maxPayloadSize } } }).WEBHOOK_MAX_BODY_BYTES;
    expect(bytes('10mb')).toBe('10485760');
    expect(bytes('512kb')).toBe('524288');
    expect(bytes('25MB')).toBe('26214400');
    expect(bytes('1.5 kb')).toBe('1536');
    expect(bytes('2048')).toBe('2048');
    expect(bytes(65536)).toBe('65536');
    expect(issuesOf(() => bytes('10 parsecs'))).toEqual([
      expect.stringMatching(/webhook\.server\.maxPayloadSize: must be a size such as "10mb".*; not "10 parsecs"$/),
    ]);
    expect(issuesOf(() => bytes(true))).toEqual([
      expect.stringMatching(/webhook\.server\.maxPayloadSize: must be a size/),
    ]);
  });

  it('accepts only the paths the ingress serves the GitHub source on', () => {
    for (const path of GITHUB_WEBHOOK_PATHS) expect(fileEnv({ webhook: { server: { path } } })).toBeDefined();
    expect(issuesOf(() => fileEnv({ webhook: { server: { path: '/hooks/github' } } }))).toEqual([
      expect.stringMatching(/webhook\.server\.path: .*fixed routes \(\/webhooks\/github, /),
    ]);
  });

  it('refuses an empty allowedIps list and malformed queue names', () => {
    expect(issuesOf(() => fileEnv({ webhook: { security: { allowedIps: [] } } }))).toEqual([
      expect.stringMatching(/webhook\.security\.allowedIps: .*leave allowedIps out/),
    ]);
    expect(issuesOf(() => fileEnv({ webhook: { queue: { concurrency: { 'Deploy-ment': 2 } } } }))).toEqual([
      expect.stringMatching(/webhook\.queue\.concurrency\.Deploy-ment: a queue name/),
    ]);
  });

  it('names each env key once in the settings table', () => {
    const keys = CONFIG_FILE_SETTINGS.flatMap(({ env }) => (env === null ? [] : [env]));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
