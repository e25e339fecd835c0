import { ConfigError, parseConfig } from '@hookfleet/config';
import { QUEUE_NAMES } from '@hookfleet/queue';
import { describe, expect, it } from 'vitest';
import { workerConfigSchema } from './config.js';

const required = { DATABASE_URL: 'postgresql://localhost/hookfleet', REDIS_URL: 'redis://localhost:6379' };

describe('worker config', () => {
  it('consumes every queue when WORKER_QUEUES is unset or empty', () => {
    expect(parseConfig(workerConfigSchema, required).WORKER_QUEUES).toEqual([...QUEUE_NAMES]);
    expect(parseConfig(workerConfigSchema, { ...required, WORKER_QUEUES: '' }).WORKER_QUEUES).toEqual([...QUEUE_NAMES]);
  });

  it('takes a comma-separated subset, trimmed and without repeats', () => {
    const config = parseConfig(workerConfigSchema, { ...required, WORKER_QUEUES: ' recovery, validation ,recovery' });
    expect(config.WORKER_QUEUES).toEqual(['recovery', 'validation']);
  });

  it('fails at start on an unknown queue name, naming it', () => {
    expect(() => parseConfig(workerConfigSchema, { ...required, WORKER_QUEUES: 'validation,deploy' })).toThrow(
      /WORKER_QUEUES: unknown queue\(s\) deploy/,
    );
  });

  it('names every missing or malformed key at once', () => {
    try {
      parseConfig(workerConfigSchema, { DATABASE_URL: 'mysql://nope', WORKER_CONCURRENCY: '0' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.join('\n');
      expect(issues).toMatch(/DATABASE_URL/);
      expect(issues).toMatch(/REDIS_URL/);
      expect(issues).toMatch(/WORKER_CONCURRENCY/);
    }
  });
});
