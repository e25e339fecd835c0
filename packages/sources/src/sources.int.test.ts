import { randomBytes } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@hookfleet/db';
import type { TestEnvironment } from '@hookfleet/devkit';
import { testEnvironment } from '@hookfleet/devkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceResolver } from './resolver.js';
import { createSecretBox } from './secret-box.js';
import { SourceError, createSource, getSource, rotateSourceSecret, updateSource } from './sources.js';

let environment: TestEnvironment;
let prisma: PrismaClient;
const box = createSecretBox(randomBytes(32).toString('base64'));
let clock = new Date('2026-01-01T00:00:00Z');
const now = () => clock;

beforeAll(async () => {
  environment = await testEnvironment();
  prisma = createPrismaClient(environment.env.DATABASE_URL, { poolMax: 2 });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await environment?.cleanup();
});

describe('sources', () => {
  it('stores secrets encrypted and returns the plaintext only on creation', async () => {
    const { source, secret } = await createSource({ prisma, box, now }, { provider: 'standard', name: 'billing' });
    expect(secret).toMatch(/^whsec_/);
    const rows = await prisma.sourceSecret.findMany({ where: { sourceId: source.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ciphertext).not.toContain(secret.slice(6));
    expect(JSON.stringify(await getSource({ prisma, box, now }, source.id))).not.toContain(secret);
    await expect(createSource({ prisma, box, now }, { provider: 'standard', name: 'billing' })).rejects.toMatchObject({
      code: 'source_exists',
    });
  });

  it('requires the secret for providers that issue their own', async () => {
    await expect(createSource({ prisma, box, now }, { provider: 'slack', name: 'workspace' })).rejects.toBeInstanceOf(
      SourceError,
    );
    const { secret } = await createSource(
      { prisma, box, now },
      { provider: 'slack', name: 'workspace', secret: 'slack-signing-secret' },
    );
    expect(secret).toBe('slack-signing-secret');
  });

  it('validates settings on every write', async () => {
    await expect(
      createSource(
        { prisma, box, now },
        { provider: 'github', name: 'bad', settings: { ipAllowlist: ['10.0.0.0/33'] } },
      ),
    ).rejects.toThrow(/CIDR/);
    const { source } = await createSource(
      { prisma, box, now },
      { provider: 'github', name: 'ok', settings: { ipAllowlist: ['192.30.252.0/22'] } },
    );
    expect(source.settings).toMatchObject({ validation: 'record', ipAllowlist: ['192.30.252.0/22'] });
    await expect(updateSource({ prisma, box, now }, source.id, { settings: { unknownKey: 1 } })).rejects.toThrow();
    expect(
      (await updateSource({ prisma, box, now }, source.id, { settings: { validation: 'enforce' } })).settings
        .validation,
    ).toBe('enforce');
  });

  it('rotation keeps the old secret accepted until it expires, newest first', async () => {
    const { source, secret: first } = await createSource(
      { prisma, box, now },
      { provider: 'github', name: 'rotating' },
    );
    const resolver = createSourceResolver({ prisma, box, ttlMs: 0, now });
    const { secret: second, source: rotated } = await rotateSourceSecret({ prisma, box, now }, source.id, {
      previousSecretTtlSeconds: 3600,
    });
    expect(rotated.secrets.filter((secret) => secret.active)).toHaveLength(2);
    expect(rotated.secrets.find((secret) => secret.current)!.expiresAt).toBeNull();
    expect((await resolver.resolve(source.id))!.secrets.map((secret) => secret.value)).toEqual([second, first]);

    clock = new Date(clock.getTime() + 3601 * 1000);
    expect((await resolver.resolve(source.id))!.secrets.map((secret) => secret.value)).toEqual([second]);
    expect((await getSource({ prisma, box, now }, source.id))!.secrets.filter((secret) => secret.active)).toHaveLength(
      1,
    );
  });

  it('the resolver caches for its ttl and then sees changes', async () => {
    const { source } = await createSource({ prisma, box, now }, { provider: 'gitlab', name: 'cached' });
    const resolver = createSourceResolver({ prisma, box, ttlMs: 60_000, now });
    expect((await resolver.resolve(source.id))!.enabled).toBe(true);
    await updateSource({ prisma, box, now }, source.id, { enabled: false });
    expect((await resolver.resolve(source.id))!.enabled).toBe(true);
    const fresh = createSourceResolver({ prisma, box, ttlMs: 0, now });
    expect((await fresh.resolve(source.id))!.enabled).toBe(false);
    expect(await fresh.resolve('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
