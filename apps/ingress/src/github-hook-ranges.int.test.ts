import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createLogger } from '@hookfleet/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGithubHookRanges } from './github-hook-ranges.js';

let environment: TestEnvironment;
let redis: Redis;
let github: Server;
let githubUrl = '';
let answer: { status: number; body: unknown } = { status: 200, body: { hooks: ['192.30.252.0/22', '2a0a:a440::/29'] } };
const logger = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  environment = await testEnvironment();
  redis = new Redis(environment.env.REDIS_URL);
  github = createServer((req, res) => {
    if (req.url !== '/meta') return res.writeHead(404).end();
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  github.listen(0, '127.0.0.1');
  await once(github, 'listening');
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
});

afterAll(async () => {
  github?.close();
  redis?.disconnect();
  await environment?.cleanup();
});

const make = (apiBaseUrl: string) =>
  createGithubHookRanges({
    apiBaseUrl,
    redis,
    redisKey: `${environment.env.QUEUE_PREFIX}:github-meta`,
    refreshIntervalMs: 3600_000,
    logger,
    timeoutMs: 1000,
  });

it('allows only GitHub hook addresses, v4, v4-mapped v6 and v6, and keeps the last good list', async () => {
  const empty = make('http://127.0.0.1:1');
  expect(empty.allows('192.30.252.1')).toBe(false);

  const ranges = make(githubUrl);
  await ranges.start();
  ranges.stop();
  expect(ranges.snapshot().source).toBe('github');
  expect(ranges.allows('192.30.252.1')).toBe(true);
  expect(ranges.allows('::ffff:192.30.252.1')).toBe(true);
  expect(ranges.allows('2a0a:a440::1')).toBe(true);
  expect(ranges.allows('192.30.0.1')).toBe(false);
  expect(ranges.allows('127.0.0.1')).toBe(false);
  expect(ranges.allows('not an ip')).toBe(false);

  // GitHub unreachable on restart: the stored copy serves.
  const restarted = make('http://127.0.0.1:1');
  await restarted.start();
  restarted.stop();
  expect(restarted.snapshot().source).toBe('stored');
  expect(restarted.allows('192.30.252.1')).toBe(true);

  // An invalid answer never replaces a good list.
  for (const bad of [
    { status: 200, body: { hooks: ['300.1.1.0/24'] } },
    { status: 200, body: { hooks: [] } },
    { status: 500, body: {} },
  ]) {
    answer = bad;
    const again = make(githubUrl);
    await again.start();
    again.stop();
    expect(again.allows('192.30.252.1')).toBe(true);
  }

  // A changed list replaces the old one.
  answer = { status: 200, body: { hooks: ['140.82.112.0/20'] } };
  const changed = make(githubUrl);
  await changed.start();
  changed.stop();
  expect(changed.allows('140.82.112.5')).toBe(true);
  expect(changed.allows('192.30.252.1')).toBe(false);
});
