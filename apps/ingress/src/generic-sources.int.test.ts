// Generic sources through the running ingress, one preset at a time: a delivery signed as the sender signs
// (by node:crypto or openssl here, never by the provider under test) is stored once and deduplicated on its
// delivery id; a wrong secret, a one-byte change, a stale timestamp and a missing signature are refused
// with 401 and write nothing.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { parseConfig } from '@hookfleet/config';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import {
  SourceError,
  createSecretBox,
  createSource,
  rotateSourceSecret,
  updateSource,
  type SourceDeps,
} from '@hookfleet/sources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingressConfigSchema } from './config.js';
import { startIngress, type RunningIngress } from './ingress.js';

const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');
let clock = new Date();

let environment: TestEnvironment;
let prisma: PrismaClient;
let deps: SourceDeps;
let ingress: RunningIngress;

beforeAll(async () => {
  environment = await testEnvironment();
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 2 });
  deps = { prisma, box: createSecretBox(SOURCE_SECRETS_KEY) };
  ingress = await startIngress(
    parseConfig(ingressConfigSchema, {
      ...environment.env,
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
      SOURCE_SECRETS_KEY,
      SOURCE_CACHE_TTL_MS: '0',
    }),
    { now: () => clock },
  );
});

afterAll(async () => {
  await ingress?.stop();
  await prisma?.$disconnect();
  await environment?.cleanup();
});

const seconds = () => Math.floor(clock.getTime() / 1000);
const hmac = (algorithm: string, key: string | Buffer, data: string) => createHmac(algorithm, key).update(data);
/** openssl's HMAC, base64: a second implementation besides node:crypto. */
const opensslHmacBase64 = (key: string, data: string) =>
  execFileSync('openssl', ['dgst', '-sha256', '-hmac', key, '-binary'], { input: data }).toString('base64');
const whsecKey = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64');

async function post(url: string, body: string, headers: Record<string, string>, contentType = 'application/json') {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

async function rowCounts() {
  const [events, tasks] = await Promise.all([prisma.webhookEvent.count(), prisma.workflowTask.count()]);
  return { events, tasks };
}

interface PresetCase {
  preset: string;
  /** Extra generic settings beside the preset. */
  settings?: () => Record<string, unknown>;
  /** The secret the sender issues; omitted: the one the source generates. */
  secret?: string;
  contentType?: string;
  body: (deliveryId: string) => string;
  /** Headers as the sender sends them, signed with `secret` at `timestamp`. */
  sign: (body: string, secret: string, timestamp: number, deliveryId: string, url: string) => Record<string, string>;
  eventType: string;
  action?: string | null;
  /** The scheme carries a signed timestamp. */
  timestamped: boolean;
  /** Where the delivery id comes from: the body (true) or a header. */
  idInBody?: boolean;
  signatureHeader: string;
}

const PRESETS: PresetCase[] = [
  {
    preset: 'stripe',
    secret: `whsec_${randomBytes(24).toString('base64')}`,
    body: (id) => JSON.stringify({ id, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } } }),
    sign: (body, secret, t) => ({
      'stripe-signature': `t=${t},v1=${hmac('sha256', secret, `${t}.${body}`).digest('hex')},v0=00`,
    }),
    eventType: 'invoice.paid',
    timestamped: true,
    idInBody: true,
    signatureHeader: 'stripe-signature',
  },
  {
    preset: 'shopify',
    secret: 'shpss_0123456789abcdef0123456789abcdef',
    body: () => JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '10.00' }),
    sign: (body, secret, _t, id) => ({
      'x-shopify-hmac-sha256': opensslHmacBase64(secret, body),
      'x-shopify-webhook-id': id,
      'x-shopify-topic': 'orders/create',
    }),
    eventType: 'orders/create',
    timestamped: false,
    signatureHeader: 'x-shopify-hmac-sha256',
  },
  {
    preset: 'jira',
    body: () =>
      JSON.stringify({ timestamp: 1, webhookEvent: 'jira:issue_created', issue_event_type_name: 'issue_created' }),
    sign: (body, secret, _t, id) => ({
      'x-hub-signature': `sha256=${hmac('sha256', secret, body).digest('hex')}`,
      'x-atlassian-webhook-identifier': id,
    }),
    eventType: 'jira:issue_created',
    action: 'issue_created',
    timestamped: false,
    signatureHeader: 'x-hub-signature',
  },
  {
    preset: 'sentry',
    body: () => JSON.stringify({ action: 'created', data: { issue: { id: '1' } }, installation: { uuid: 'u' } }),
    sign: (body, secret, t, id) => ({
      'sentry-hook-signature': hmac('sha256', secret, body).digest('hex'),
      'sentry-hook-resource': 'issue',
      'sentry-hook-timestamp': String(t),
      'request-id': id,
    }),
    eventType: 'issue',
    action: 'created',
    timestamped: false,
    signatureHeader: 'sentry-hook-signature',
  },
  {
    preset: 'twilio',
    secret: 'twilio-auth-token-0123456789abcdef',
    settings: () => ({ auth: { publicBaseUrl: ingress.url } }),
    contentType: 'application/x-www-form-urlencoded',
    body: () => 'MessageSid=SM1&SmsStatus=received&Body=Hello+there&From=%2B14155550100&To=%2B14155550199',
    sign: (body, secret, _t, id, url) => {
      const fields = [...new URLSearchParams(body).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const signed = fields.reduce((text, [name, value]) => text + name + value, url);
      return { 'x-twilio-signature': hmac('sha1', secret, signed).digest('base64'), 'i-twilio-idempotency-token': id };
    },
    eventType: 'received',
    timestamped: false,
    signatureHeader: 'x-twilio-signature',
  },
  {
    preset: 'svix',
    body: () => JSON.stringify({ type: 'user.created', data: { id: 'u1' } }),
    sign: (body, secret, t, id) => ({
      'svix-id': id,
      'svix-timestamp': String(t),
      'svix-signature': `v1,${hmac('sha256', whsecKey(secret), `${id}.${t}.${body}`).digest('base64')}`,
    }),
    eventType: 'user.created',
    timestamped: true,
    signatureHeader: 'svix-signature',
  },
  {
    preset: 'standard-webhooks',
    body: () => JSON.stringify({ type: 'invoice.created', timestamp: '2026-01-01T00:00:00Z', data: {} }),
    sign: (body, secret, t, id) => ({
      'webhook-id': id,
      'webhook-timestamp': String(t),
      'webhook-signature': `v1,${hmac('sha256', whsecKey(secret), `${id}.${t}.${body}`).digest('base64')}`,
    }),
    eventType: 'invoice.created',
    timestamped: true,
    signatureHeader: 'webhook-signature',
  },
  {
    preset: 'github-compatible',
    body: () => JSON.stringify({ action: 'opened', repository: { full_name: 'org/app' } }),
    sign: (body, secret, _t, id) => ({
      'x-hub-signature-256': `sha256=${hmac('sha256', secret, body).digest('hex')}`,
      'x-github-delivery': id,
      'x-github-event': 'pull_request',
    }),
    eventType: 'pull_request',
    action: 'opened',
    timestamped: false,
    signatureHeader: 'x-hub-signature-256',
  },
];

describe.each(PRESETS)('preset $preset', (preset) => {
  it('accepts a delivery signed right, once; refuses a wrong secret, a one-byte change, a stale timestamp and no signature, writing nothing', async () => {
    clock = new Date();
    const { source, secret } = await createSource(deps, {
      provider: 'generic',
      name: `${preset.preset}-source`,
      settings: { generic: { preset: preset.preset, ...preset.settings?.() } },
      secret: preset.secret,
    });
    expect(source.settings.generic).toMatchObject({ preset: preset.preset, auth: { header: preset.signatureHeader } });
    const url = `${ingress.url}/webhooks/generic/${source.id}`;
    const deliveryId = preset.idInBody ? `evt_${randomUUID()}` : randomUUID();
    const body = preset.body(deliveryId);
    const send = (text: string, headers: Record<string, string>) => post(url, text, headers, preset.contentType);
    const signed = preset.sign(body, secret, seconds(), deliveryId, url);

    const accepted = await send(body, signed);
    expect(accepted, JSON.stringify(accepted.body)).toMatchObject({
      status: 202,
      body: { status: 'accepted', deliveryId },
    });
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: accepted.body.eventId as string } });
    expect(row).toMatchObject({
      provider: 'generic',
      sourceId: source.id,
      deliveryId,
      eventType: preset.eventType,
      action: preset.action ?? null,
      matchedSecretId: source.secrets[0]!.id,
    });
    expect(row.normalized).toMatchObject({ provider: 'generic', metadata: { preset: preset.preset } });
    expect((row.headers as Record<string, string>)[preset.signatureHeader]).toBe('[redacted]');
    expect(await send(body, signed)).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: row.id } });

    const before = await rowCounts();
    const wrongSecret = preset.sign(body, `${secret.slice(0, -2)}AA`, seconds(), deliveryId, url);
    expect(await send(body, wrongSecret)).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    // One byte of the body changed, the signature of the original kept.
    const changed = body.replace(/e/, 'f');
    expect(changed).not.toBe(body);
    expect(await send(changed, signed)).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    const unsigned = { ...signed };
    delete unsigned[preset.signatureHeader];
    expect(await send(body, unsigned)).toMatchObject({ status: 401, body: { code: 'missing_signature' } });
    if (preset.timestamped) {
      const stale = preset.sign(body, secret, seconds() - 301, deliveryId, url);
      expect(await send(body, stale)).toMatchObject({ status: 401, body: { code: 'timestamp_out_of_range' } });
    }
    expect(await rowCounts()).toEqual(before);
  });
});

describe('generic sources', () => {
  // The Standard Webhooks specification's example (also Svix's), replayed at its own time through the ingress.
  it('svix: accepts the example of the Standard Webhooks specification at its timestamp', async () => {
    clock = new Date(1614265330 * 1000 + 5000);
    try {
      const { source } = await createSource(deps, {
        provider: 'generic',
        name: 'svix-spec-example',
        settings: { generic: { preset: 'svix', identity: { eventType: { value: 'test' } } } },
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      });
      const headers = {
        'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'svix-timestamp': '1614265330',
        'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      };
      const url = `${ingress.url}/webhooks/generic/${source.id}`;
      expect(await post(url, '{"test": 2432232314}', headers)).toMatchObject({
        status: 202,
        body: { status: 'accepted', deliveryId: 'msg_p5jXN8AQM9LWM0D4loKWxJek' },
      });
    } finally {
      clock = new Date();
    }
  });

  it('refuses a verified delivery without an id or an event type with 400 and its code, writing nothing', async () => {
    clock = new Date();
    const { source, secret } = await createSource(deps, {
      provider: 'generic',
      name: 'in-house',
      settings: {
        generic: {
          // A header whose name does not say it holds a credential.
          auth: { type: 'token', header: 'x-shared' },
          identity: { deliveryId: { pointer: '/delivery/id' }, eventType: { header: 'x-event' } },
        },
      },
    });
    const url = `${ingress.url}/webhooks/generic/${source.id}`;
    const before = await rowCounts();
    expect(await post(url, '{"delivery":{}}', { 'x-shared': secret, 'x-event': 'build' })).toMatchObject({
      status: 400,
      body: { code: 'missing_delivery_id' },
    });
    expect(await post(url, '{"delivery":{"id":7}}', { 'x-shared': secret })).toMatchObject({
      status: 400,
      body: { code: 'missing_event_type' },
    });
    expect(await rowCounts()).toEqual(before);
    const accepted = await post(url, '{"delivery":{"id":7}}', { 'x-shared': secret, 'x-event': 'build' });
    expect(accepted).toMatchObject({ status: 202, body: { status: 'accepted', deliveryId: '7' } });
    // The credential's header is never stored, whatever its name.
    const row = await prisma.webhookEvent.findUniqueOrThrow({ where: { id: accepted.body.eventId as string } });
    expect(row.headers).toMatchObject({ 'x-shared': '[redacted]', 'x-event': 'build' });
    expect(JSON.stringify(row.headers)).not.toContain(secret);
    // A generic source is only reached under /webhooks/generic/.
    expect((await post(`${ingress.url}/webhooks/github/${source.id}`, '{}', {})).status).toBe(404);
  });

  it('refuses settings under which the source’s active secrets would not decode, and a given secret that would not', async () => {
    const { source } = await createSource(deps, {
      provider: 'generic',
      name: 'shopify-to-svix',
      settings: { generic: { preset: 'shopify' } },
      secret: 'shpss_plain-text-secret',
    });
    const svix = { generic: { preset: 'svix' } };
    await expect(updateSource(deps, source.id, { settings: svix })).rejects.toThrow(SourceError);
    await expect(updateSource(deps, source.id, { settings: svix })).rejects.toMatchObject({ code: 'invalid_secret' });
    expect((await prisma.source.findUniqueOrThrow({ where: { id: source.id } })).settings).toMatchObject({
      generic: { preset: 'shopify' },
    });
    // Rotated without overlap to a key of the new form, the switch is taken.
    const whsec = `whsec_${randomBytes(24).toString('base64')}`;
    await rotateSourceSecret(deps, source.id, { secret: whsec, previousSecretTtlSeconds: 0 });
    expect((await updateSource(deps, source.id, { settings: svix })).settings.generic).toMatchObject({
      preset: 'svix',
    });
    await expect(
      rotateSourceSecret(deps, source.id, { secret: 'not-base64!', previousSecretTtlSeconds: 0 }),
    ).rejects.toMatchObject({ code: 'invalid_secret' });
  });
});
