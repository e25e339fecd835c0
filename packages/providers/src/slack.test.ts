import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IncomingHeaders } from './headers.js';
import type { DeliveryIdentity, RawDelivery } from './provider.js';
import { slackProvider } from './slack.js';

// Slack's published example ("Verifying requests from Slack"): a slash command. The body reproduces the
// documented signature byte for byte.
const SLACK_EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const FORM = 'application/x-www-form-urlencoded';

function delivery(text: string, headers: IncomingHeaders, contentType: string, nowSeconds: number): RawDelivery {
  return { headers, body: Buffer.from(text, 'utf8'), text, contentType, now: new Date(nowSeconds * 1000) };
}

/** Slack's documented algorithm, independent of the code under test. */
function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

const example = (overrides: { body?: string; headers?: IncomingHeaders; now?: number } = {}) =>
  delivery(
    overrides.body ?? SLACK_EXAMPLE.body,
    overrides.headers ?? {
      'x-slack-signature': SLACK_EXAMPLE.signature,
      'x-slack-request-timestamp': String(SLACK_EXAMPLE.timestamp),
    },
    FORM,
    overrides.now ?? SLACK_EXAMPLE.timestamp,
  );

describe('slackProvider.verify', () => {
  const { secret } = SLACK_EXAMPLE;

  it("accepts Slack's documented example", () => {
    expect(slackSignature(secret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.body)).toBe(SLACK_EXAMPLE.signature);
    expect(slackProvider.verify(example(), [secret])).toEqual({ ok: true, secretIndex: 0 });
  });

  it('rejects one changed byte and a wrong secret', () => {
    const changed = SLACK_EXAMPLE.body.replace('foobar', 'foobaz');
    expect(slackProvider.verify(example({ body: changed }), [secret])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(slackProvider.verify(example(), ['8f742231b10e8888abcd99yyyzzz85a6'])).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('accepts the older of two secrets and says which', () => {
    expect(slackProvider.verify(example(), ['a-newer-signing-secret', secret])).toEqual({ ok: true, secretIndex: 1 });
  });

  it('accepts 5 minutes of skew either way and refuses one second more', () => {
    const { timestamp } = SLACK_EXAMPLE;
    expect(slackProvider.verify(example({ now: timestamp + 300 }), [secret])).toMatchObject({ ok: true });
    expect(slackProvider.verify(example({ now: timestamp - 300 }), [secret])).toMatchObject({ ok: true });
    expect(slackProvider.verify(example({ now: timestamp + 301 }), [secret])).toMatchObject({
      ok: false,
      code: 'timestamp_out_of_range',
    });
    expect(slackProvider.verify(example({ now: timestamp - 301 }), [secret])).toMatchObject({
      ok: false,
      code: 'timestamp_out_of_range',
    });
  });

  it('names missing and repeated headers', () => {
    const signature = { 'x-slack-signature': SLACK_EXAMPLE.signature };
    const timestamp = { 'x-slack-request-timestamp': String(SLACK_EXAMPLE.timestamp) };
    expect(slackProvider.verify(example({ headers: timestamp }), [secret])).toMatchObject({
      ok: false,
      code: 'missing_signature',
    });
    expect(slackProvider.verify(example({ headers: signature }), [secret])).toEqual({
      ok: false,
      code: 'missing_headers',
      message: 'missing required headers: x-slack-request-timestamp',
    });
    expect(
      slackProvider.verify(
        example({ headers: { ...timestamp, 'x-slack-signature': [SLACK_EXAMPLE.signature, SLACK_EXAMPLE.signature] } }),
        [secret],
      ),
    ).toMatchObject({ ok: false, code: 'duplicated_header' });
    expect(
      slackProvider.verify(
        example({ headers: { ...signature, 'x-slack-request-timestamp': '1531420618, 1531420618' } }),
        [secret],
      ),
    ).toMatchObject({ ok: false, code: 'duplicated_header' });
  });
});

// An Events API delivery, shaped like Slack's app_mention example.
const APP_MENTION = {
  token: 'ZZZZZZWSxiZZZ2yIvs3peJ',
  team_id: 'T061EG9R6',
  api_app_id: 'A0MDYCDME',
  event: {
    type: 'app_mention',
    user: 'U061F7AUR',
    text: '<@U0LAN0Z89> is it everything a river should be?',
    ts: '1515449522.000016',
    channel: 'C0LAN2Q65',
    event_ts: '1515449522000016',
  },
  type: 'event_callback',
  event_id: 'Ev0LAN670R',
  event_time: 1515449522,
  authed_users: ['U0LAN0Z89'],
};

const BLOCK_ACTIONS = {
  type: 'block_actions',
  team: { id: 'T9TK3CUKW', domain: 'example' },
  user: { id: 'UA8RXUSPL', username: 'jtorrance', team_id: 'T9TK3CUKW' },
  api_app_id: 'AABA1ABCD',
  trigger_id: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
  channel: { id: 'CBR2V3XEX', name: 'review-updates' },
  actions: [{ action_id: 'approve', block_id: 'b1', action_ts: '1548426417.840180' }],
};

describe('slackProvider.parse', () => {
  it('reads Events API JSON, an interactivity payload field and a slash command form', () => {
    const json = JSON.stringify(APP_MENTION);
    expect(slackProvider.parse(delivery(json, {}, 'application/json', 0))).toEqual({ ok: true, payload: APP_MENTION });
    const interactive = `payload=${encodeURIComponent(JSON.stringify(BLOCK_ACTIONS))}`;
    expect(slackProvider.parse(delivery(interactive, {}, FORM, 0))).toEqual({ ok: true, payload: BLOCK_ACTIONS });
    expect(slackProvider.parse(example())).toMatchObject({
      ok: true,
      payload: { command: '/webhook-collect', team_id: 'T1DC2JH3J', text: '', user_id: 'U2CERLKJA' },
    });
  });

  it('refuses a form that is neither, a prototype key and a repeated field', () => {
    expect(slackProvider.parse(delivery('a=1', {}, FORM, 0))).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(slackProvider.parse(delivery('command=%2Fx&__proto__=1', {}, FORM, 0))).toEqual({
      ok: false,
      code: 'invalid_payload',
      message: 'form body has forbidden key __proto__',
    });
    expect(slackProvider.parse(delivery('command=%2Fx&text=a&text=b', {}, FORM, 0))).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
    const polluting = `payload=${encodeURIComponent('{"__proto__":{"polluted":1}}')}`;
    expect(slackProvider.parse(delivery(polluting, {}, FORM, 0))).toMatchObject({
      ok: false,
      message: 'payload has forbidden key __proto__',
    });
  });
});

describe('slackProvider.identify', () => {
  const json = (payload: object, headers: IncomingHeaders = {}) =>
    delivery(JSON.stringify(payload), headers, 'application/json', APP_MENTION.event_time);

  it('types an event_callback by its event and dedupes on event_id', () => {
    expect(slackProvider.identify(json(APP_MENTION), APP_MENTION)).toEqual({
      ok: true,
      identity: {
        eventType: 'app_mention',
        action: null,
        deliveryId: 'Ev0LAN670R',
        hookId: 'A0MDYCDME',
        isRetry: false,
      },
    });
  });

  it('marks a retry from X-Slack-Retry-Num and keeps its dedupe key', () => {
    const retried = slackProvider.identify(
      json(APP_MENTION, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
      APP_MENTION,
    );
    expect(retried).toMatchObject({ ok: true, identity: { isRetry: true, deliveryId: 'Ev0LAN670R' } });
    expect(slackProvider.identify(json(APP_MENTION, { 'x-slack-retry-num': ['1', '2'] }), APP_MENTION)).toMatchObject({
      ok: false,
      code: 'duplicated_header',
    });
  });

  it('refuses an event_callback without event_id', () => {
    const { event_id: _id, ...noId } = APP_MENTION;
    expect(slackProvider.identify(json(noId), noId)).toMatchObject({ ok: false, code: 'invalid_payload' });
  });

  it('types interactivity by payload.type and dedupes on trigger_id, else action_ts', () => {
    expect(slackProvider.identify(json(BLOCK_ACTIONS), BLOCK_ACTIONS)).toEqual({
      ok: true,
      identity: {
        eventType: 'block_actions',
        action: 'approve',
        deliveryId: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
        hookId: 'AABA1ABCD',
        isRetry: false,
      },
    });
    const { trigger_id: _trigger, ...noTrigger } = BLOCK_ACTIONS;
    expect(slackProvider.identify(json(noTrigger), noTrigger)).toMatchObject({
      ok: true,
      identity: { deliveryId: '1548426417.840180' },
    });
    expect(slackProvider.identify(json({ type: 'view_closed' }), { type: 'view_closed' })).toMatchObject({
      ok: false,
      code: 'unsupported_event',
    });
  });

  it("identifies Slack's example slash command", () => {
    const parsed = slackProvider.parse(example());
    if (!parsed.ok) throw new Error(parsed.message);
    expect(slackProvider.identify(example(), parsed.payload)).toEqual({
      ok: true,
      identity: {
        eventType: 'slash_command',
        action: '/webhook-collect',
        deliveryId: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
        hookId: '',
        isRetry: false,
      },
    });
  });
});

describe('slackProvider url_verification', () => {
  const payload = {
    token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
    challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    type: 'url_verification',
  };
  const now = 1_714_564_800;
  const body = JSON.stringify(payload);
  const signed = delivery(
    body,
    { 'x-slack-signature': slackSignature('secret', now, body), 'x-slack-request-timestamp': String(now) },
    'application/json',
    now,
  );

  it('is verified like any request and answered with its challenge', () => {
    expect(slackProvider.verify(signed, ['secret'])).toEqual({ ok: true, secretIndex: 0 });
    const identified = slackProvider.identify(signed, payload);
    if (!identified.ok) throw new Error(identified.message);
    expect(identified.identity.eventType).toBe('url_verification');
    expect(slackProvider.handshake?.(identified.identity, payload)).toEqual({
      status: 200,
      body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' },
    });
  });

  it('answers nothing for an ordinary event', () => {
    const identity: DeliveryIdentity = {
      eventType: 'app_mention',
      action: null,
      deliveryId: 'Ev0LAN670R',
      hookId: '',
      isRetry: false,
    };
    expect(slackProvider.handshake?.(identity, APP_MENTION)).toBeNull();
  });
});

describe('slackProvider.normalize', () => {
  const identity = (eventType: string, deliveryId: string, action: string | null = null): DeliveryIdentity => ({
    eventType,
    action,
    deliveryId,
    hookId: '',
    isRetry: false,
  });

  it('reads an app_mention: team, user, event_time', () => {
    expect(slackProvider.normalize(identity('app_mention', 'Ev0LAN670R'), APP_MENTION)).toEqual({
      eventId: 'Ev0LAN670R',
      provider: 'slack',
      eventType: 'app_mention',
      action: null,
      repository: 'T061EG9R6',
      actor: 'U061F7AUR',
      occurredAt: '2018-01-08T22:12:02.000Z',
      metadata: { apiAppId: 'A0MDYCDME', channel: 'C0LAN2Q65', ts: '1515449522.000016' },
    });
  });

  it('reads block_actions: team.id, user.id and the action time', () => {
    const event = slackProvider.normalize(identity('block_actions', 'trigger', 'approve'), BLOCK_ACTIONS);
    expect(event).toMatchObject({
      repository: 'T9TK3CUKW',
      actor: 'UA8RXUSPL',
      occurredAt: '2019-01-25T14:26:57.840Z',
    });
    expect(event.metadata).toMatchObject({ channel: 'CBR2V3XEX', triggerId: BLOCK_ACTIONS.trigger_id });
  });

  it("reads Slack's example slash command", () => {
    const parsed = slackProvider.parse(example());
    if (!parsed.ok) throw new Error(parsed.message);
    expect(
      slackProvider.normalize(identity('slash_command', 'trigger', '/webhook-collect'), parsed.payload),
    ).toMatchObject({
      repository: 'T1DC2JH3J',
      actor: 'U2CERLKJA',
      occurredAt: null,
      metadata: { channel: 'G8PSS9T3V', command: '/webhook-collect' },
    });
  });
});
