// GitHub's hook ranges against real Redis and a local HTTP server standing in for GitHub's API.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { createLogger } from '@hookfleet/observability';
import { createRedisConnection, waitUntilReady } from '@hookfleet/queue';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGithubHookRanges, type GithubHookRanges } from './github-hook-ranges.js';

const GOOD = ['192.30.252.0/22', '2a0a:a440::/29'];
const FETCHED_AT = new Date('2026-01-02T03:04:05.000Z');

let environment: TestEnvironment;
let redis: Redis;
let github: Server;
let githubUrl = '';
/** A port nothing listens on: GitHub unreachable. */
let closedPort = 0;
/** What GitHub's /meta answers; the body is raw so that it can be broken JSON. */
let answer = { status: 200, body: JSON.stringify({ hooks: GOOD }) };
const requests: IncomingHttpHeaders[] = [];
const running: GithubHookRanges[] = [];
let keys = 0;

const hooks = (list: unknown) => ({ status: 200, body: JSON.stringify({ hooks: list }) });

async function listenOnLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  environment = await testEnvironment();
  redis = createRedisConnection(environment.env.REDIS_URL, 'producer'); // fail-fast, as the ingress has it
  await waitUntilReady(redis);
  github = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/meta') return void res.writeHead(404).end();
    requests.push(req.headers);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  githubUrl = `http://127.0.0.1:${await listenOnLoopback(github)}`;
  const closed = createServer();
  closedPort = await listenOnLoopback(closed);
  closed.close();
  await once(closed, 'close');
});

afterEach(() => {
  for (const ranges of running.splice(0)) ranges.stop();
  answer = hooks(GOOD);
});

afterAll(async () => {
  github?.close();
  redis?.disconnect();
  await environment?.cleanup();
});

function make(options: { redisKey: string; apiBaseUrl?: string; refreshIntervalMs?: number }) {
  const logger = createLogger({ service: 'test', level: 'silent' });
  const warn = vi.spyOn(logger, 'warn'); // observes; the real logger still runs
  const ranges = createGithubHookRanges({
    apiBaseUrl: options.apiBaseUrl ?? githubUrl,
    redis,
    redisKey: options.redisKey,
    refreshIntervalMs: options.refreshIntervalMs ?? 3600_000,
    timeoutMs: 2000,
    logger,
    now: () => FETCHED_AT,
  });
  running.push(ranges);
  const reasons = () =>
    warn.mock.calls.map((call) => ((call as unknown[])[1] as { reason?: string } | undefined)?.reason);
  return { ranges, warn, reasons };
}

const newKey = () => `${environment.env.QUEUE_PREFIX}:github-meta:hooks:${++keys}`;
const storedCopy = async (key: string) => JSON.parse((await redis.get(key)) ?? 'null') as unknown;

describe('GitHub hook ranges', () => {
  it('allow addresses inside the fetched ranges (IPv4, v4-mapped IPv6, IPv6) and refuse the rest', async () => {
    const { ranges, warn } = make({ redisKey: newKey() });
    const before = requests.length;
    await Promise.all([ranges.start(), ranges.start()]);

    expect(requests.length - before).toBe(1);
    expect(requests.at(-1)?.accept).toBe('application/vnd.github+json');
    expect(requests.at(-1)?.['user-agent']).toMatch(/^hookfleet/);
    expect(ranges.snapshot()).toEqual({ ranges: GOOD, fetchedAt: FETCHED_AT, source: 'github' });
    expect(warn).not.toHaveBeenCalled();
    const expected: Record<string, boolean> = {
      '192.30.252.1': true,
      '192.30.255.254': true,
      '::ffff:192.30.252.1': true,
      '::FFFF:192.30.254.9': true,
      '2a0a:a440::1': true,
      '2a0a:a447:ffff::1': true,
      '192.30.251.255': false,
      '192.31.0.1': false,
      '::ffff:10.0.0.1': false,
      '2a0a:a448::1': false,
      '::1': false,
      '127.0.0.1': false,
      'not an ip': false,
      '': false,
    };
    for (const [ip, allowed] of Object.entries(expected)) expect(ranges.allows(ip), ip).toBe(allowed);
  });

  it('store the last-good copy in Redis; a restart while GitHub fails or is unreachable starts from it', async () => {
    const redisKey = newKey();
    await make({ redisKey }).ranges.start();
    const stored = { ranges: GOOD, fetchedAt: FETCHED_AT.toISOString() };
    expect(await storedCopy(redisKey)).toEqual(stored);

    answer = { status: 500, body: JSON.stringify({ message: 'Server Error' }) };
    const failing = make({ redisKey });
    await failing.ranges.start();
    expect(failing.ranges.snapshot()).toEqual({ ranges: GOOD, fetchedAt: FETCHED_AT, source: 'stored' });
    expect(failing.ranges.allows('::ffff:192.30.252.1')).toBe(true);
    expect(failing.ranges.allows('10.0.0.1')).toBe(false);
    expect(failing.reasons()).toEqual(['GitHub answered 500']);

    // Credentials in the URL (a GitHub Enterprise proxy, say) must not reach the log.
    const unreachable = make({ redisKey, apiBaseUrl: `http://hookfleet:s3cret-token@127.0.0.1:${closedPort}` });
    await unreachable.ranges.start();
    expect(unreachable.ranges.snapshot().source).toBe('stored');
    expect(unreachable.ranges.allows('2a0a:a440::1')).toBe(true);
    expect(unreachable.reasons()).toEqual([expect.stringContaining('ECONNREFUSED')]);
    expect(JSON.stringify(unreachable.warn.mock.calls)).not.toContain('s3cret-token');

    expect(await storedCopy(redisKey)).toEqual(stored);
  });

  it('never replace good ranges with an invalid list, in memory or in Redis', async () => {
    const redisKey = newKey();
    const { ranges, reasons } = make({ redisKey, refreshIntervalMs: 20 });
    await ranges.start();
    expect(ranges.snapshot().ranges).toEqual(GOOD);

    const bad: Array<[typeof answer, string]> = [
      [hooks(['300.1.1.0/24']), 'hooks has an invalid range: "300.1.1.0/24"'],
      [hooks([]), 'hooks is empty'],
      [hooks(['140.82.112.0/20', '192.30.252.0/33']), 'hooks has an invalid range: "192.30.252.0/33"'],
      [hooks(['140.82.112.0/20', 'example.com']), 'hooks has an invalid range: "example.com"'],
      [hooks(['140.82.112.0/20', 42]), 'hooks has an invalid range: 42'],
      [{ status: 200, body: JSON.stringify({ web: GOOD }) }, 'hooks is missing or not an array'],
      [{ status: 200, body: '{"hooks": ["140.82.112.0/20"' }, 'the answer is not a JSON object'],
      [{ status: 503, body: '' }, 'GitHub answered 503'],
    ];
    for (const [next, reason] of bad) {
      answer = next;
      // The refresh that saw this answer has finished once its warning is logged.
      await vi.waitFor(() => expect(reasons()).toContain(reason), { timeout: 5000, interval: 10 });
      expect(ranges.snapshot(), reason).toEqual({ ranges: GOOD, fetchedAt: FETCHED_AT, source: 'github' });
      expect(ranges.allows('192.30.252.1'), reason).toBe(true);
      expect(ranges.allows('140.82.112.1'), reason).toBe(false);
    }
    expect(await storedCopy(redisKey)).toEqual({ ranges: GOOD, fetchedAt: FETCHED_AT.toISOString() });
  });

  it('pick up a changed list on every refresh, not just the first, and store it', async () => {
    const redisKey = newKey();
    const { ranges } = make({ redisKey, refreshIntervalMs: 20 });
    await ranges.start();
    expect(ranges.allows('192.30.252.1')).toBe(true);

    const changed = ['140.82.112.0/20', '2606:50c0::/32'];
    answer = hooks(changed);
    await vi.waitFor(() => expect(ranges.snapshot().ranges).toEqual(changed), { timeout: 5000, interval: 10 });
    expect(ranges.allows('140.82.112.5')).toBe(true);
    expect(ranges.allows('::ffff:140.82.127.254')).toBe(true);
    expect(ranges.allows('2606:50c0::1')).toBe(true);
    expect(ranges.allows('192.30.252.1')).toBe(false);
    expect(ranges.allows('2a0a:a440::1')).toBe(false);
    await vi.waitFor(async () =>
      expect(await storedCopy(redisKey)).toEqual({ ranges: changed, fetchedAt: FETCHED_AT.toISOString() }),
    );

    const changedAgain = ['185.199.108.0/22'];
    answer = hooks(changedAgain);
    await vi.waitFor(() => expect(ranges.snapshot().ranges).toEqual(changedAgain), { timeout: 5000, interval: 10 });
    expect(ranges.allows('185.199.111.255')).toBe(true);
    expect(ranges.allows('140.82.112.5')).toBe(false);
  });

  it('allow nothing when there are no ranges at all', async () => {
    const notStarted = make({ redisKey: newKey() }).ranges;
    expect(notStarted.allows('192.30.252.1')).toBe(false);

    // GitHub unreachable and nothing usable stored.
    for (const stored of [null, 'not json', JSON.stringify({ ranges: [], fetchedAt: FETCHED_AT.toISOString() })]) {
      const redisKey = newKey();
      if (stored !== null) await redis.set(redisKey, stored);
      const { ranges, reasons } = make({ redisKey, apiBaseUrl: `http://127.0.0.1:${closedPort}` });
      await ranges.start();
      expect(ranges.snapshot(), String(stored)).toEqual({ ranges: [], fetchedAt: null, source: 'none' });
      for (const ip of ['192.30.252.1', '::ffff:192.30.252.1', '2a0a:a440::1', '127.0.0.1']) {
        expect(ranges.allows(ip), ip).toBe(false);
      }
      expect(reasons().length, String(stored)).toBe(stored === null ? 1 : 2);
    }
  });
});
