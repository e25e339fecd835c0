import { randomBytes } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';
import { readSourceSettings } from './settings.js';
import { createSource, getSource, listSources, updateSource, type SourceDeps } from './sources.js';

let environment: TestEnvironment;
let prisma: PrismaClient;
let deps: SourceDeps;
const box = createSecretBox(randomBytes(32).toString('base64'));
const forward = { mode: 'forward', url: 'https://receiver.example.com/hooks', timeoutMs: 5000 };

beforeAll(async () => {
  environment = await testEnvironment();
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 2 });
  deps = { prisma, box };
});

afterAll(async () => {
  await prisma?.$disconnect();
  await environment?.cleanup();
});

/** The sealed secret as the row stores it. */
async function storedCiphertext(id: string): Promise<string | undefined> {
  const row = await prisma.source.findUniqueOrThrow({ where: { id } });
  const { processing } = readSourceSettings(row.settings);
  return processing.mode === 'forward' ? processing.signingSecretCiphertext : undefined;
}

describe('forward signing secret', () => {
  it('is made for a forward-mode source, stored sealed and shown only by the write that made it', async () => {
    const created = await createSource(deps, {
      provider: 'standard',
      name: 'forwarded',
      settings: { processing: forward },
    });
    const secret = created.forwardSigningSecret!;
    expect(secret).toMatch(/^whsec_/);
    const keyBytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
    expect(keyBytes).toBeGreaterThanOrEqual(24);
    expect(keyBytes).toBeLessThanOrEqual(32);
    expect(secret).not.toBe(created.secret);

    const ciphertext = await storedCiphertext(created.source.id);
    expect(box.open(ciphertext!)).toBe(secret);
    expect(ciphertext).not.toContain(secret.slice('whsec_'.length));

    const reads = JSON.stringify([created.source, await getSource(deps, created.source.id), await listSources(deps)]);
    expect(reads).not.toContain('signingSecretCiphertext');
    expect(reads).not.toContain(ciphertext);
    expect(reads).not.toContain(secret);
    expect(created.source.settings.processing).toMatchObject({ mode: 'forward', url: forward.url });
  });

  it('survives settings edits, and a ciphertext in the input is ignored', async () => {
    const { source } = await createSource(deps, {
      provider: 'standard',
      name: 'kept',
      settings: { processing: forward },
    });
    const ciphertext = await storedCiphertext(source.id);
    const foreign = box.seal(`whsec_${randomBytes(32).toString('base64')}`);
    const updated = await updateSource(deps, source.id, {
      settings: { processing: { ...forward, url: 'https://other.example.com/', signingSecretCiphertext: foreign } },
    });
    expect(updated.forwardSigningSecret).toBeUndefined();
    expect(updated.settings.processing).toMatchObject({ url: 'https://other.example.com/' });
    expect(await storedCiphertext(source.id)).toBe(ciphertext);
  });

  it('is made when an update switches a source into forward mode, and dropped when it leaves', async () => {
    const { source, forwardSigningSecret } = await createSource(deps, { provider: 'github', name: 'switched' });
    expect(forwardSigningSecret).toBeUndefined();
    const switched = await updateSource(deps, source.id, { settings: { processing: forward } });
    expect(switched.forwardSigningSecret).toMatch(/^whsec_/);
    expect(box.open((await storedCiphertext(source.id))!)).toBe(switched.forwardSigningSecret);
    expect(JSON.stringify(await getSource(deps, source.id))).not.toContain(switched.forwardSigningSecret);

    await updateSource(deps, source.id, { settings: { processing: { mode: 'store' } } });
    const row = await prisma.source.findUniqueOrThrow({ where: { id: source.id } });
    expect(JSON.stringify(row.settings)).not.toContain('signingSecretCiphertext');
  });

  it('is not made by updates that leave the settings alone', async () => {
    const { source } = await createSource(deps, {
      provider: 'standard',
      name: 'renamed',
      settings: { processing: forward },
    });
    const ciphertext = await storedCiphertext(source.id);
    const renamed = await updateSource(deps, source.id, { name: 'renamed-again', enabled: false });
    expect(renamed).toMatchObject({ name: 'renamed-again', enabled: false });
    expect(renamed.forwardSigningSecret).toBeUndefined();
    expect(await storedCiphertext(source.id)).toBe(ciphertext);
    await expect(updateSource(deps, '00000000-0000-4000-8000-000000000000', { enabled: false })).rejects.toMatchObject({
      code: 'source_not_found',
    });
  });
});
