// One Redis for the whole run (each test file takes its own key prefix); Postgres is per test file
// (a database of its own on DATABASE_URL's server, or its own embedded Postgres when that is unset).
import type { TestProject } from 'vitest/node';
import type {} from './packages/devkit/src/vitest.js';
import { startEmbeddedRedis } from './packages/devkit/src/embedded.js';

export default async function setup(project: TestProject) {
  const redis = process.env.REDIS_URL ? null : await startEmbeddedRedis();
  project.provide('redisUrl', process.env.REDIS_URL ?? redis!.url);
  project.provide('databaseServerUrl', process.env.DATABASE_URL || undefined);
  return async () => {
    await redis?.stop();
  };
}
