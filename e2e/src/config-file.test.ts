// WEBHOOK_CONFIG_FILE against the real apps' schemas: the example config/webhook_config.json parses for every
// app, each env key the file can set is read by some app, and the worker refuses an unknown queue name in
// it. Pure: temp files only, no Postgres or Redis.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { adminConfigSchema } from '@hookfleet/admin';
import { CONFIG_FILE_SETTINGS, ConfigError, parseConfig } from '@hookfleet/config';
import { ingressConfigSchema } from '@hookfleet/ingress';
import { QUEUE_NAMES } from '@hookfleet/queue';
import { parseWorkerConfig, workerConfigSchema } from '@hookfleet/worker';

const EXAMPLE_FILE = fileURLToPath(new URL('../../config/webhook_config.json', import.meta.url));
const required = { DATABASE_URL: 'postgresql://localhost/hookfleet', REDIS_URL: 'redis://localhost:6379' };
const adminRequired = { ...required, ADMIN_API_TOKEN: 'a-token-of-sixteen-chars' };

const dir = mkdtempSync(join(tmpdir(), 'hookfleet-config-file-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function writeConfig(content: unknown): string {
  const path = join(dir, `webhook_config.${++files}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('WEBHOOK_CONFIG_FILE with the apps', () => {
  it('parses the example config/webhook_config.json for the ingress, the worker and the admin', () => {
    const env = { WEBHOOK_CONFIG_FILE: EXAMPLE_FILE };
    expect(parseConfig(ingressConfigSchema, { ...required, ...env })).toMatchObject({
      WEBHOOK_PORT: 3001,
      WEBHOOK_MAX_BODY_BYTES: 10 * 1024 * 1024,
      WEBHOOK_PAYLOAD_VALIDATION: 'enforce',
      WEBHOOK_ENABLE_IP_WHITELIST: false,
      WEBHOOK_RATE_LIMIT_PER_IP_PER_MINUTE: 1200,
      JOB_MAX_RETRIES: 3,
    });
    expect(parseWorkerConfig({ ...required, ...env })).toMatchObject({
      WORKER_CONCURRENCY: 5,
      WORKER_CONCURRENCY_DEPLOYMENT: 2,
      WORKER_CONCURRENCY_VALIDATION: 10,
      JOB_MAX_RETRIES: 3,
      JOB_BACKOFF_DELAY_MS: 1000,
      JOB_BACKOFF_MAX_MS: 300_000,
      JOB_BACKOFF_MULTIPLIER: 2,
      JOB_MAX_ELAPSED_MS: 86_400_000,
      TASK_RETRY_POLICIES: {
        deployment: { maxRetries: 1 },
        codegen_trigger: { maxRetries: 5, initialIntervalMs: 5000 },
      },
    });
    expect(parseConfig(adminConfigSchema, { ...adminRequired, ...env })).toMatchObject({
      JOB_MAX_RETRIES: 3,
      TASK_RETRY_POLICIES: { deployment: { maxRetries: 1 } },
    });
  });

  it('sets only env keys some app reads', () => {
    const read = new Set(
      [ingressConfigSchema, workerConfigSchema, adminConfigSchema].flatMap((schema) => Object.keys(schema.shape)),
    );
    const keys = CONFIG_FILE_SETTINGS.flatMap(({ env }) =>
      env === null ? [] : env.endsWith('*') ? QUEUE_NAMES.map((queue) => env.replace('*', queue.toUpperCase())) : [env],
    );
    expect(keys.filter((key) => !read.has(key))).toEqual([]);
  });

  it("gives each queue the file's concurrency, under env's", () => {
    const file = writeConfig({
      webhook: { queue: { processing: { concurrency: 4 }, concurrency: { deployment: 1, recovery: 3 } } },
    });
    const config = parseWorkerConfig({ ...required, WEBHOOK_CONFIG_FILE: file, WORKER_CONCURRENCY_RECOVERY: '8' });
    expect(config).toMatchObject({
      WORKER_CONCURRENCY: 4,
      WORKER_CONCURRENCY_DEPLOYMENT: 1,
      WORKER_CONCURRENCY_RECOVERY: 8,
    });
  });

  it('fails the worker at start on an unknown queue name in webhook.queue.concurrency, naming it', () => {
    const file = writeConfig({ webhook: { queue: { concurrency: { deploy: 2, validation: 1 } } } });
    try {
      parseWorkerConfig({ ...required, WEBHOOK_CONFIG_FILE: file });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        `WORKER_CONCURRENCY_DEPLOY (webhook.queue.concurrency.deploy in ${file}): no such queue; known: ${QUEUE_NAMES.join(', ')}`,
      ]);
    }
  });

  it("refuses through the ingress's schema an allowedIps entry that is no address, naming the file setting", () => {
    const good = writeConfig({ webhook: { security: { enableIPWhitelist: true, allowedIps: ['192.30.252.0/22'] } } });
    expect(parseConfig(ingressConfigSchema, { ...required, WEBHOOK_CONFIG_FILE: good })).toMatchObject({
      WEBHOOK_ENABLE_IP_WHITELIST: true,
      WEBHOOK_ALLOWED_IPS: ['192.30.252.0/22'],
    });
    const bad = writeConfig({ webhook: { security: { allowedIps: ['192.30.252.0/99'] } } });
    expect(() => parseConfig(ingressConfigSchema, { ...required, WEBHOOK_CONFIG_FILE: bad })).toThrow(
      `WEBHOOK_ALLOWED_IPS.0 (webhook.security.allowedIps in ${bad}): must be an IP address or CIDR range`,
    );
  });
});
