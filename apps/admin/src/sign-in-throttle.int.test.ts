// The sign-in form's throttle against real Redis: failures counted per address and per token tried, shared
// by both replicas; a right token from elsewhere still signs in; successes never count; Redis away: 503.
import { startTcpProxy } from '@hookfleet/devkit';
import { useTestEnvironment } from '@hookfleet/devkit/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin } from '../test-support/start-test-admin.js';
import type { RunningAdmin } from './admin.js';
import { LOGIN_PATH } from './sessions.js';

const ADMIN_TOKEN = 'admin-sign-in-test-token-0123456789';
const MAX_FAILURES = 3;
const environment = useTestEnvironment();
let replicas: [RunningAdmin, RunningAdmin];

/** Addresses stand in for clients behind the trusted local proxy (X-Forwarded-For). */
const THROTTLE = { ADMIN_SIGN_IN_MAX_FAILURES: String(MAX_FAILURES), ADMIN_TRUST_PROXY: 'loopback' };

beforeAll(async () => {
  replicas = [
    environment.stopAtEnd(await startTestAdmin(environment.env, ADMIN_TOKEN, THROTTLE)),
    environment.stopAtEnd(await startTestAdmin(environment.env, ADMIN_TOKEN, THROTTLE)),
  ];
}, 60_000);

let addresses = 0;
/** An address no other test has signed in from. */
const freshAddress = () => `198.51.100.${++addresses}`;
const wrongToken = () => `hf_wrong-${Math.random().toString(36).slice(2)}`;

async function signIn(token: string, from: string, admin: RunningAdmin = replicas[0]) {
  const response = await fetch(`${admin.url}${LOGIN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
    body: new URLSearchParams({ token }),
    redirect: 'manual',
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('the sign-in throttle', () => {
  it('refuses an address after its failures, on either replica, with a clear page and Retry-After', async () => {
    const address = freshAddress();
    // Failures split across the replicas: one count.
    const failures = [];
    for (let i = 0; i < MAX_FAILURES; i++)
      failures.push((await signIn(wrongToken(), address, replicas[i % 2]!)).status);
    expect(failures).toEqual(Array(MAX_FAILURES).fill(401));
    for (const replica of replicas) {
      const refused = await signIn(wrongToken(), address, replica);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toContain('text/html');
      expect(refused.text).toContain('Too many failed sign-ins from this address. Try again in 15 minutes.');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // The right token too: the address is held until its window ends.
    expect((await signIn(ADMIN_TOKEN, address)).status).toBe(429);
  });

  it('lets the right token sign in from another address while one address is held', async () => {
    const attacker = freshAddress();
    for (let i = 0; i <= MAX_FAILURES; i++) await signIn(wrongToken(), attacker);
    expect((await signIn(wrongToken(), attacker)).status).toBe(429);
    const operator = await signIn(ADMIN_TOKEN, freshAddress(), replicas[1]);
    expect(operator.status).toBe(303);
    expect(operator.headers.get('set-cookie')).toContain('hookfleet_session=');
  });

  it('refuses a token after its failures from many addresses, and only that token', async () => {
    const tried = wrongToken();
    const failures = [];
    for (let i = 0; i < MAX_FAILURES; i++)
      failures.push((await signIn(tried, freshAddress(), replicas[i % 2]!)).status);
    expect(failures).toEqual(Array(MAX_FAILURES).fill(401));
    const address = freshAddress();
    const refused = await signIn(tried, address);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many failed sign-ins with this token.');
    // The same new address with the right token: neither count is its.
    expect((await signIn(ADMIN_TOKEN, address)).status).toBe(303);
  });

  it('never counts a successful sign-in', async () => {
    const address = freshAddress();
    const statuses = [];
    for (let i = 0; i < 2 * MAX_FAILURES; i++) statuses.push((await signIn(ADMIN_TOKEN, address)).status);
    expect(statuses).toEqual(Array(2 * MAX_FAILURES).fill(303));
    expect((await signIn(wrongToken(), address)).status).toBe(401);
  });

  it('stores neither the tokens tried nor anything but their hash', async () => {
    const tried = wrongToken();
    await signIn(tried, freshAddress());
    const keys = await environment.redis.keys(`${environment.env.QUEUE_PREFIX}:ratelimit:sign-in-token:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((key) => key.includes(tried))).toBe(false);
  });
});

describe('the sign-in throttle during a Redis outage', () => {
  it('answers 503 with a page saying so (no session could be made meanwhile), and signs in once Redis is back', async () => {
    const proxy = await startTcpProxy({ port: Number(new URL(environment.env.REDIS_URL).port || 6379) });
    const through = new URL(environment.env.REDIS_URL);
    through.host = `127.0.0.1:${proxy.port}`;
    const admin = await startTestAdmin(environment.env, ADMIN_TOKEN, { ...THROTTLE, REDIS_URL: through.toString() });
    try {
      await proxy.cut();
      const during = await signIn(ADMIN_TOKEN, freshAddress(), admin);
      expect(during.status).toBe(503);
      expect(during.text).toContain('Sign-in is unavailable right now.');
      expect(during.headers.get('retry-after')).not.toBeNull();
      await proxy.restore();
      await expect
        .poll(async () => (await signIn(ADMIN_TOKEN, freshAddress(), admin)).status, { timeout: 20_000, interval: 200 })
        .toBe(303);
    } finally {
      await proxy.restore();
      await admin.stop();
      await proxy.close();
    }
  }, 60_000);
});
