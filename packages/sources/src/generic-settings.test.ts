// Generic sources as pure functions: settings refused when saved (naming the field), presets expanded, and
// each scheme checked against vectors its sender publishes, or signed here with node:crypto (an
// implementation independent of the provider's).
import { createHmac } from 'node:crypto';
import { createGenericProvider, type IncomingHeaders, type RawDelivery } from '@hookfleet/providers';
import { describe, expect, it } from 'vitest';
import { genericConfigOf } from './generic-settings.js';
import { GENERIC_PRESETS } from './generic-presets.js';
import { sourceSettingsSchema } from './settings.js';

function providerFor(generic: unknown) {
  const settings = sourceSettingsSchema.parse({ generic });
  return createGenericProvider(genericConfigOf(settings.generic!));
}

function delivery(
  text: string,
  headers: IncomingHeaders,
  options: { now?: Date; contentType?: string; requestTarget?: string } = {},
): RawDelivery {
  return {
    headers,
    body: Buffer.from(text),
    text,
    contentType: options.contentType ?? 'application/json',
    now: options.now ?? new Date(),
    requestTarget: options.requestTarget,
  };
}

/** The field paths (as the admin API names them) a settings object is refused for. */
function refusedFields(generic: unknown): string[] {
  const parsed = sourceSettingsSchema.safeParse({ generic });
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `settings.${issue.path.join('.')}`);
}

describe('generic settings when saved', () => {
  const hmac = { type: 'hmac', algorithm: 'sha256', encoding: 'hex', header: 'x-signature' };
  const identity = { deliveryId: { header: 'x-id' }, eventType: { pointer: '/type' } };

  it('accept a complete scheme and store header names in lower case and locators as lists', () => {
    const parsed = sourceSettingsSchema.parse({ generic: { auth: { ...hmac, header: 'X-Signature' }, identity } });
    expect(parsed.generic).toEqual({
      auth: { ...hmac, format: 'plain', signedContent: '{body}', toleranceSeconds: 300, secretEncoding: 'text' },
      identity: { deliveryId: [{ header: 'x-id' }], eventType: [{ pointer: '/type' }] },
    });
    // What is stored reads back the same.
    expect(sourceSettingsSchema.parse(parsed).generic).toEqual(parsed.generic);
  });

  it('refuse each misconfiguration, naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [{ auth: { ...hmac, algorithm: 'md5' }, identity }, 'settings.generic.auth.algorithm'],
      [{ auth: { ...hmac, encoding: 'base32' }, identity }, 'settings.generic.auth.encoding'],
      [{ auth: { ...hmac, header: 'x signature' }, identity }, 'settings.generic.auth.header'],
      [{ auth: { ...hmac, signedContent: '{body}.{nonce}' }, identity }, 'settings.generic.auth.signedContent'],
      [{ auth: { ...hmac, signedContent: '{timestamp}' }, identity }, 'settings.generic.auth.signedContent'],
      [{ auth: { ...hmac, signedContent: '{timestamp}.{body}' }, identity }, 'settings.generic.auth.timestampHeader'],
      [{ auth: { ...hmac, signedContent: '{id}.{body}' }, identity }, 'settings.generic.auth.idHeader'],
      [{ auth: { ...hmac, timestampHeader: 'x-ts' }, identity }, 'settings.generic.auth.signedContent'],
      [{ auth: { ...hmac, format: 'key-value' }, identity }, 'settings.generic.auth.signatureKey'],
      [{ auth: { ...hmac, toleranceSeconds: 0 }, identity }, 'settings.generic.auth.toleranceSeconds'],
      [{ auth: { type: 'oauth' }, identity }, 'settings.generic.auth.type'],
      [{ auth: { type: 'basic', username: 'a:b' }, identity }, 'settings.generic.auth.username'],
      [
        { auth: hmac, identity: { ...identity, eventType: { pointer: 'type' } } },
        'settings.generic.identity.eventType.pointer',
      ],
      [{ auth: hmac, identity: { ...identity, deliveryId: { value: 'x' } } }, 'settings.generic.identity.deliveryId'],
      [{ auth: hmac, identity: { eventType: { pointer: '/type' } } }, 'settings.generic.identity.deliveryId'],
      [{ auth: hmac }, 'settings.generic.identity'],
      [{ preset: 'paypal' }, 'settings.generic.preset'],
      [{ preset: 'twilio' }, 'settings.generic.auth.publicBaseUrl'],
      [{ preset: 'stripe', auth: { algorithm: 'sha384' } }, 'settings.generic.auth.algorithm'],
      [{ preset: 'stripe', colour: 'red' }, 'settings.generic'],
    ];
    for (const [generic, field] of cases) expect(refusedFields(generic), JSON.stringify(generic)).toContain(field);
  });
});

describe('presets', () => {
  it('expand into the settings they stand for, with their name beside them', () => {
    const parsed = sourceSettingsSchema.parse({ generic: { preset: 'stripe' } });
    expect(parsed.generic).toMatchObject({
      preset: 'stripe',
      auth: { header: 'stripe-signature', format: 'key-value', signedContent: '{timestamp}.{body}' },
      identity: GENERIC_PRESETS.stripe.identity,
    });
    // The expansion stored reads back unchanged, whatever a preset may later become.
    expect(sourceSettingsSchema.parse(parsed).generic).toEqual(parsed.generic);
  });

  it('take fields given beside them over their own', () => {
    const parsed = sourceSettingsSchema.parse({
      generic: {
        preset: 'stripe',
        auth: { toleranceSeconds: 60 },
        identity: { action: { pointer: '/data/object/status' } },
      },
    });
    expect(parsed.generic?.auth).toMatchObject({ header: 'stripe-signature', toleranceSeconds: 60 });
    expect(parsed.generic?.identity.action).toEqual([{ pointer: '/data/object/status' }]);
    const token = sourceSettingsSchema.parse({ generic: { preset: 'stripe', auth: { type: 'token' } } });
    expect(token.generic?.auth).toEqual({ type: 'token', header: 'authorization' });
  });
});

// Published vectors.
describe('vectors from the senders’ documentation', () => {
  // Standard Webhooks specification, "Verifying webhook authenticity"; Svix's "Verifying payloads manually"
  // shows the same example.
  const SPEC = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: '1614265330',
    body: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  for (const [preset, prefix] of [
    ['standard-webhooks', 'webhook'],
    ['svix', 'svix'],
  ] as const) {
    it(`${preset}: the Standard Webhooks specification's example verifies, and not after a one-byte change`, () => {
      const provider = providerFor({ preset });
      const headers = {
        [`${prefix}-id`]: SPEC.id,
        [`${prefix}-timestamp`]: SPEC.timestamp,
        [`${prefix}-signature`]: `v1,bm90IHRoaXMgb25l ${SPEC.signature}`,
      };
      const now = new Date(Number(SPEC.timestamp) * 1000 + 10_000);
      expect(provider.verify(delivery(SPEC.body, headers, { now }), ['whsec_b3RoZXI=', SPEC.secret])).toEqual({
        ok: true,
        secretIndex: 1,
      });
      expect(provider.verify(delivery(SPEC.body.replace('2', '3'), headers, { now }), [SPEC.secret])).toMatchObject({
        code: 'invalid_signature',
      });
      const stale = new Date(Number(SPEC.timestamp) * 1000 + 301_000);
      expect(provider.verify(delivery(SPEC.body, headers, { now: stale }), [SPEC.secret])).toMatchObject({
        code: 'timestamp_out_of_range',
      });
    });
  }

  // Twilio's "Webhooks security" page (and the RequestValidator tests of its helper libraries): auth token
  // 12345, this URL and these form fields give this signature.
  it('twilio: the example of Twilio’s security documentation verifies, and not after a one-byte change', () => {
    const provider = providerFor({ preset: 'twilio', auth: { publicBaseUrl: 'https://mycompany.com' } });
    const form = 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212';
    const options = { contentType: 'application/x-www-form-urlencoded', requestTarget: '/myapp.php?foo=1&bar=2' };
    const headers = { 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' };
    expect(provider.verify(delivery(form, headers, options), ['12345'])).toEqual({ ok: true, secretIndex: 0 });
    expect(provider.verify(delivery(form.replace('1234&', '1235&'), headers, options), ['12345'])).toMatchObject({
      code: 'invalid_signature',
    });
    expect(provider.verify(delivery(form, headers, options), ['12346'])).toMatchObject({ code: 'invalid_signature' });
    // The fields of a body that is not a form cannot be what was signed.
    expect(
      provider.verify(delivery('{}', headers, { ...options, contentType: 'application/json' }), ['12345']),
    ).toMatchObject({ code: 'invalid_payload' });
  });

  // GitHub's "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
  it('github-compatible: the example of GitHub’s documentation verifies, and not after a one-byte change', () => {
    const provider = providerFor({ preset: 'github-compatible' });
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    const secret = "It's a Secret to Everybody";
    const headers = { 'x-hub-signature-256': signature };
    expect(provider.verify(delivery('Hello, World!', headers), [secret])).toEqual({ ok: true, secretIndex: 0 });
    expect(provider.verify(delivery('Hello, World?', headers), [secret])).toMatchObject({ code: 'invalid_signature' });
    expect(
      provider.verify(delivery('Hello, World!', { 'x-hub-signature-256': signature.slice(7) }), [secret]),
    ).toMatchObject({ code: 'invalid_signature' });
  });
});

describe('token and basic auth', () => {
  const identity = { deliveryId: { pointer: '/id' }, eventType: { value: 'alert' } };

  it('token: the secret after the prefix (scheme in any case), compared whole', () => {
    const provider = providerFor({ auth: { type: 'token', prefix: 'Bearer ' }, identity });
    const body = '{"id":"1"}';
    expect(provider.verify(delivery(body, { authorization: 'bearer s3cret-token' }), ['new', 's3cret-token'])).toEqual({
      ok: true,
      secretIndex: 1,
    });
    for (const authorization of ['Bearer s3cret-toke', 'Bearer s3cret-token2', 's3cret-token', 'Basic s3cret-token']) {
      expect(provider.verify(delivery(body, { authorization }), ['s3cret-token']), authorization).toMatchObject({
        ok: false,
        code: 'invalid_signature',
      });
    }
    expect(provider.verify(delivery(body, {}), ['s3cret-token'])).toMatchObject({ code: 'missing_signature' });
  });

  it('basic: the configured user with the secret as password', () => {
    const provider = providerFor({ auth: { type: 'basic', username: 'hooks' }, identity });
    const basic = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });
    expect(provider.verify(delivery('{}', basic('hooks:pa55')), ['pa55'])).toEqual({ ok: true, secretIndex: 0 });
    for (const credentials of ['hooks:pa56', 'other:pa55', 'hooks:', 'pa55']) {
      expect(provider.verify(delivery('{}', basic(credentials)), ['pa55']), credentials).toMatchObject({
        code: 'invalid_signature',
      });
    }
  });
});

describe('identity', () => {
  const auth = { type: 'token', header: 'x-token' };

  it('reads the delivery id, event type and action from headers and JSON pointers, first found wins', () => {
    const provider = providerFor({
      auth,
      identity: {
        deliveryId: [{ header: 'x-request-id' }, { pointer: '/meta/delivery~1id' }],
        eventType: { pointer: '/events/0/kind' },
        action: [{ pointer: '/missing' }, { value: 'none' }],
      },
    });
    const payload = { meta: { 'delivery/id': 42 }, events: [{ kind: 'build.done' }] };
    const raw = delivery(JSON.stringify(payload), {});
    expect(provider.identify(raw, payload)).toEqual({
      ok: true,
      identity: { deliveryId: '42', eventType: 'build.done', action: 'none', hookId: '', isRetry: false },
    });
    const withHeader = delivery(JSON.stringify(payload), { 'x-request-id': 'req-1' });
    expect(provider.identify(withHeader, payload)).toMatchObject({ identity: { deliveryId: 'req-1' } });
  });

  it('refuses a delivery without an id or an event type, each with its code; never reads inherited properties', () => {
    const provider = providerFor({
      auth,
      identity: { deliveryId: { pointer: '/id' }, eventType: { pointer: '/constructor' } },
    });
    expect(provider.identify(delivery('{}', {}), {})).toMatchObject({ code: 'missing_delivery_id' });
    expect(provider.identify(delivery('{"id":"a"}', {}), { id: 'a' })).toMatchObject({ code: 'missing_event_type' });
  });

  it('refuses an id number JSON has rounded, and ids or types too long or not printable, before anything is stored', () => {
    const provider = providerFor({
      auth,
      identity: { deliveryId: { pointer: '/id' }, eventType: { pointer: '/type' } },
    });
    const identify = (text: string) =>
      provider.identify(delivery(text, {}), JSON.parse(text) as Record<string, unknown>);
    // 9007199254740993 parses as ...992: two deliveries would share an id and the second be a "duplicate".
    expect(identify('{"id":9007199254740993,"type":"a"}')).toMatchObject({ code: 'invalid_payload' });
    expect(identify('{"id":1.5,"type":"a"}')).toMatchObject({ code: 'invalid_payload' });
    expect(identify('{"id":9007199254740991,"type":"a"}')).toMatchObject({
      identity: { deliveryId: '9007199254740991' },
    });
    expect(identify(JSON.stringify({ id: 'x'.repeat(257), type: 'a' }))).toMatchObject({
      code: 'invalid_payload',
      message: 'the delivery id is longer than 256 characters',
    });
    expect(identify(JSON.stringify({ id: 'x'.repeat(256), type: 'a' }))).toMatchObject({ ok: true });
    expect(identify(JSON.stringify({ id: 'a', type: 'line\nbreak' }))).toMatchObject({
      code: 'invalid_payload',
      message: 'the event type is not printable ASCII text',
    });
    expect(identify(JSON.stringify({ id: 'a', type: 'invoice paid' }))).toMatchObject({ ok: true });
  });

  it('parses form bodies into their fields', () => {
    const provider = providerFor({ auth, identity: { deliveryId: { pointer: '/Sid' }, eventType: { value: 'form' } } });
    const parsed = provider.parse(
      delivery('Sid=S1&Tag=a&Tag=b&__proto__=x', {}, { contentType: 'application/x-www-form-urlencoded' }),
    );
    expect(parsed).toEqual({ ok: true, payload: { Sid: 'S1', Tag: ['a', 'b'], ['__proto__']: 'x' } });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('hmac schemes signed here with node:crypto', () => {
  it('sha512 base64 with a prefix, a timestamp header and the id header in the signed content', () => {
    const provider = providerFor({
      auth: {
        type: 'hmac',
        algorithm: 'sha512',
        encoding: 'base64',
        header: 'x-sig',
        prefix: 'v2=',
        signedContent: '{id}:{timestamp}:{body}',
        timestampHeader: 'x-ts',
        idHeader: 'x-id',
        toleranceSeconds: 60,
        secretEncoding: 'hex',
      },
      identity: { deliveryId: { header: 'x-id' }, eventType: { pointer: '/type' } },
    });
    const key = Buffer.from('00ff10ee', 'hex');
    const now = new Date();
    const ts = String(Math.floor(now.getTime() / 1000));
    const body = '{"type":"ping"}';
    const sig = `v2=${createHmac('sha512', key).update(`d-1:${ts}:${body}`).digest('base64')}`;
    const headers = { 'x-sig': sig, 'x-ts': ts, 'x-id': 'd-1' };
    expect(provider.verify(delivery(body, headers, { now }), ['00ff10ee'])).toEqual({ ok: true, secretIndex: 0 });
    expect(provider.verify(delivery(body, { ...headers, 'x-id': 'd-2' }, { now }), ['00ff10ee'])).toMatchObject({
      code: 'invalid_signature',
    });
    expect(provider.verify(delivery(body, { ...headers, 'x-ts': undefined }, { now }), ['00ff10ee'])).toMatchObject({
      code: 'missing_headers',
    });
    const late = new Date(now.getTime() + 61_000);
    expect(provider.verify(delivery(body, headers, { now: late }), ['00ff10ee'])).toMatchObject({
      code: 'timestamp_out_of_range',
    });
    // A secret that is not hex is passed over for the others; with none to try, the source's
    // misconfiguration is an error (a 500), never echoing the secret.
    expect(provider.verify(delivery(body, headers, { now }), ['not-hex', '00ff10ee'])).toEqual({
      ok: true,
      secretIndex: 1,
    });
    expect(() => provider.verify(delivery(body, headers, { now }), ['not-hex'])).toThrow(
      'no secret of this source is hex-encoded',
    );
  });
});
