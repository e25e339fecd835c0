// Each command is a child process that loads the CLI afresh (seconds each), hence the tests' long timeouts.
// A generic (Stripe-preset) source created, used and rotated entirely through the CLI, a child process per
// command, against a real admin and ingress on real Postgres and Redis. Deliveries are signed here with
// node:crypto as Stripe signs them: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">.
import { execFile } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEnvironment } from '@hookfleet/devkit';
import { ADMIN_TOKEN, startStack, testEnvironment, type Stack } from '@hookfleet/e2e/harness';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

let environment: TestEnvironment;
let stack: Stack;
let workDir: string;

beforeAll(async () => {
  environment = await testEnvironment();
  const SOURCE_SECRETS_KEY = randomBytes(32).toString('base64');
  stack = await startStack(environment.env, {
    admin: { SOURCE_SECRETS_KEY },
    // No cache: a rotation reaches the ingress at once.
    ingress: { SOURCE_SECRETS_KEY, SOURCE_CACHE_TTL_MS: '0' },
  });
  workDir = await mkdtemp(join(tmpdir(), 'hookfleet-sources-'));
});

afterAll(async () => {
  await stack?.stop();
  await environment?.cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hookfleet(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@hookfleet/source', '--import', 'tsx', MAIN, ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOOKFLEET_ADMIN_URL: stack.admin.url, HOOKFLEET_ADMIN_TOKEN: ADMIN_TOKEN },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function json<T>(run: Promise<Run>): Promise<T> {
  const result = await run;
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A Stripe event delivery signed with `secret`, as Stripe signs it. */
async function sendStripe(webhookPath: string, secret: string, eventId = `evt_${randomUUID()}`) {
  const body = JSON.stringify({ id: eventId, object: 'event', type: 'checkout.session.completed', data: {} });
  const t = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  const response = await fetch(`${stack.ingress.url}${webhookPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${signature}` },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, eventId };
}

interface SourceJson {
  id: string;
  name: string;
  enabled: boolean;
  webhook_path: string;
  settings: { generic?: { preset?: string; auth?: Record<string, unknown> } };
  secrets: Array<{ id: string; current: boolean; active: boolean }>;
  secret?: string;
}

describe('hookfleet sources', () => {
  it('refuses a misconfigured generic source when it is created, naming the field, and creates nothing', async () => {
    const twilio = await hookfleet('sources', 'create', '--provider', 'generic', '--name', 'sms', '--preset', 'twilio');
    expect(twilio.code).toBe(1);
    expect(twilio.stderr).toContain('invalid_settings');
    expect(twilio.stderr).toContain('settings.generic.auth.publicBaseUrl');

    const settings = JSON.stringify({
      generic: {
        auth: { type: 'hmac', algorithm: 'md5', encoding: 'hex', header: 'x-signature' },
        identity: { deliveryId: { header: 'x-id' }, eventType: { pointer: '/type' } },
      },
    });
    const md5 = await hookfleet('sources', 'create', '--provider', 'generic', '--name', 'md5', '--settings', settings);
    expect(md5.code).toBe(1);
    expect(md5.stderr).toContain('settings.generic.auth.algorithm');

    const svix = await hookfleet(
      ...[
        'sources',
        'create',
        '--provider',
        'generic',
        '--name',
        'svix',
        '--preset',
        'svix',
        '--secret',
        'not-a-whsec-key',
      ],
    );
    expect(svix.code).toBe(1);
    expect(svix.stderr).toContain('invalid_secret');

    const plain = await hookfleet('sources', 'create', '--provider', 'generic', '--name', 'bare');
    expect(plain.stderr).toContain('settings.generic');
    expect((await json<{ data: unknown[] }>(hookfleet('sources', 'list', '--json'))).data).toEqual([]);

    // The preset with the field it lacked laid over it.
    const base = JSON.stringify({ generic: { auth: { publicBaseUrl: 'https://hooks.example.com' } } });
    const sms = await json<SourceJson>(
      hookfleet(
        ...['sources', 'create', '--provider', 'generic', '--name', 'sms', '--preset', 'twilio'],
        '--settings',
        base,
        '--json',
      ),
    );
    expect(sms.settings.generic).toMatchObject({
      preset: 'twilio',
      auth: { header: 'x-twilio-signature', algorithm: 'sha1', publicBaseUrl: 'https://hooks.example.com' },
    });
  }, 120_000);

  it('creates a Stripe source whose secret signs deliveries the ingress accepts, rotates it with an overlap, and disables it', async () => {
    // create: the secret is printed this once.
    const created = await hookfleet(
      'sources',
      'create',
      '--provider',
      'generic',
      '--name',
      'payments',
      '--preset',
      'stripe',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const secret = /secret \(shown once, store it now\): (\S+)/.exec(created.stdout)?.[1];
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const id = /^id:\s+(\S+)/m.exec(created.stdout)?.[1];
    expect(id).toBeDefined();

    const shown = await json<SourceJson>(hookfleet('sources', 'show', id!, '--json'));
    expect(shown).toMatchObject({
      name: 'payments',
      webhook_path: `/webhooks/generic/${id}`,
      settings: {
        generic: { preset: 'stripe', auth: { header: 'stripe-signature', signedContent: '{timestamp}.{body}' } },
      },
    });
    for (const output of [
      JSON.stringify(shown),
      (await hookfleet('sources', 'show', id!)).stdout,
      (await hookfleet('sources', 'list')).stdout,
    ]) {
      expect(output).not.toContain(secret);
    }

    // used: a delivery signed with the printed secret is stored; the same event again is a duplicate.
    const first = await sendStripe(shown.webhook_path, secret!);
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted', deliveryId: first.eventId } });
    expect(await sendStripe(shown.webhook_path, secret!, first.eventId)).toMatchObject({
      status: 200,
      body: { status: 'duplicate' },
    });
    expect((await sendStripe(shown.webhook_path, 'f'.repeat(64))).status).toBe(401);

    // rotate to the secret Stripe issued on a roll, given in a file: the old one stays accepted for the overlap.
    const rolled = `whsec_${randomBytes(24).toString('base64')}`;
    const secretFile = join(workDir, 'stripe-secret');
    await writeFile(secretFile, `${rolled}\n`);
    const rotated = await json<SourceJson>(
      hookfleet('sources', 'rotate', id!, '--secret-file', secretFile, '--previous-ttl', '3600', '--json'),
    );
    expect(rotated.secret).toBe(rolled);
    expect(rotated.secrets).toHaveLength(2);
    expect(rotated.secrets.filter((entry) => entry.active)).toHaveLength(2);
    const current = rotated.secrets.find((entry) => entry.current)!;

    const withOld = await sendStripe(shown.webhook_path, secret!);
    expect(withOld).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const withNew = await sendStripe(shown.webhook_path, rolled);
    expect(withNew).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const row = await stack.prisma.webhookEvent.findUniqueOrThrow({ where: { id: withNew.body.eventId as string } });
    expect(row).toMatchObject({ provider: 'generic', sourceId: id, eventType: 'checkout.session.completed' });
    expect(row.matchedSecretId).toBe(current.id);

    // rotate again with no overlap: only the newest secret is accepted.
    const again = await json<SourceJson>(hookfleet('sources', 'rotate', id!, '--previous-ttl', '0', '--json'));
    expect((await sendStripe(shown.webhook_path, rolled)).status).toBe(401);
    expect((await sendStripe(shown.webhook_path, again.secret!)).status).toBe(202);

    // update and disable.
    expect(
      await json<SourceJson>(hookfleet('sources', 'update', id!, '--name', 'payments-live', '--json')),
    ).toMatchObject({
      name: 'payments-live',
    });
    expect(await json<SourceJson>(hookfleet('sources', 'disable', id!, '--json'))).toMatchObject({ enabled: false });
    expect(await sendStripe(shown.webhook_path, again.secret!)).toMatchObject({
      status: 403,
      body: { code: 'source_disabled' },
    });
    expect(await json<SourceJson>(hookfleet('sources', 'update', id!, '--enable', '--json'))).toMatchObject({
      enabled: true,
    });
    expect((await sendStripe(shown.webhook_path, again.secret!)).status).toBe(202);
  }, 300_000);
});
