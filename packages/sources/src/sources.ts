// Sources and their secrets: what the admin API manages and what the ingress resolves per delivery.
// Plaintext secrets leave this module twice only: once to the operator who created or rotated them, and
// to the ingress resolver, in memory, to verify signatures.
import { randomBytes } from 'node:crypto';
import type { Prisma, PrismaClient } from '@hookfleet/db';
import { checkForwardTarget } from '@hookfleet/forwarding';
import type { ProviderName } from '@hookfleet/providers';
import { z } from 'zod';
import type { SecretBox } from './secret-box.js';
import { readSourceSetting, readSourceSettings, sourceSettingsSchema, type SourceSettings } from './settings.js';

export interface SourceDeps {
  prisma: PrismaClient;
  box: SecretBox;
  now?: () => Date;
}

/** Providers whose secret the sender issues (Slack app signing secret, Linear webhook secret). */
const SENDER_ISSUED_SECRETS: ReadonlySet<ProviderName> = new Set(['slack', 'linear']);

/** A new secret in the form its provider (a generic source: its settings) expects. */
export function generateSecret(provider: ProviderName, settings?: SourceSettings): string {
  const bytes = randomBytes(32);
  const encoding = genericSecretEncoding(provider, settings);
  if (provider === 'standard' || encoding === 'whsec') return `whsec_${bytes.toString('base64')}`;
  return encoding === 'base64' ? bytes.toString('base64') : bytes.toString('hex');
}

/** How a generic HMAC source decodes its secrets into a key; undefined for every other source. */
function genericSecretEncoding(provider: ProviderName, settings: SourceSettings | undefined) {
  const auth = provider === 'generic' ? settings?.generic?.auth : undefined;
  return auth?.type === 'hmac' ? auth.secretEncoding : undefined;
}

const SECRET_FORMS = {
  hex: /^(?:[0-9a-f]{2})+$/i,
  base64: /^[A-Za-z0-9+/]+={0,2}$/,
  whsec: /^whsec_[A-Za-z0-9+/]+={0,2}$/,
} as const;

/** A secret (given by the operator, or held) must decode as its source will decode it. */
function checkGivenSecret(
  provider: ProviderName,
  settings: SourceSettings,
  secret: string,
  what = 'the secret given',
): void {
  const encoding = genericSecretEncoding(provider, settings);
  if (encoding === undefined || encoding === 'text' || SECRET_FORMS[encoding].test(secret)) return;
  throw new SourceError(
    'invalid_secret',
    `this source decodes its secrets as ${encoding}: ${what} is not (rotate to one that is, without overlap, first)`,
  );
}

export class SourceError extends Error {
  override name = 'SourceError';
  constructor(
    readonly code: 'source_not_found' | 'secret_required' | 'source_exists' | 'invalid_secret',
    message: string,
  ) {
    super(message);
  }
}

/** A source with its secrets, newest first (the first active one is current). */
export const sourceInclude = { secrets: { orderBy: { createdAt: 'desc' } } } satisfies Prisma.SourceInclude;
type SourceRow = Prisma.SourceGetPayload<{ include: typeof sourceInclude }>;

export interface SecretView {
  id: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastMatchedAt: Date | null;
  /** The newest unexpired secret: what the sender should be signing with. */
  current: boolean;
  active: boolean;
}

export interface SourceView {
  id: string;
  provider: ProviderName;
  name: string;
  enabled: boolean;
  settings: SourceSettings;
  secrets: SecretView[];
  createdAt: Date;
  updatedAt: Date;
}

/** A secret is accepted until its expiry; the current one has none. */
export function isActive(secret: { expiresAt: Date | null }, now: Date): boolean {
  return secret.expiresAt === null || secret.expiresAt > now;
}

function view(row: SourceRow, now: Date): SourceView {
  const currentId = row.secrets.find((secret) => isActive(secret, now))?.id;
  return {
    id: row.id,
    provider: row.provider as ProviderName,
    name: row.name,
    enabled: row.enabled,
    settings: withoutSealedSecrets(readSourceSettings(row.settings)),
    secrets: row.secrets.map((secret) => ({
      id: secret.id,
      createdAt: secret.createdAt,
      expiresAt: secret.expiresAt,
      lastMatchedAt: secret.lastMatchedAt,
      current: secret.id === currentId,
      active: isActive(secret, now),
    })),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Views never carry the sealed forward signing secret. */
function withoutSealedSecrets(settings: SourceSettings): SourceSettings {
  if (settings.processing.mode !== 'forward') return settings;
  const { signingSecretCiphertext: _sealed, ...processing } = settings.processing;
  return { ...settings, processing };
}

/**
 * Settings as written: the schema, then (forward mode) the guard the worker applies when it sends, to the
 * URL and to the addresses its hostname resolves to now, so a target it would refuse is refused when saved.
 * Not part of the schema: stored settings stay readable when a name later resolves elsewhere (the send-time
 * check covers that). Refusals are the schema's errors, naming the field.
 */
async function parseSettings(input: unknown, provider: ProviderName): Promise<SourceSettings> {
  const settings = sourceSettingsSchema.parse(input);
  // A generic source is nothing without its scheme; another provider's scheme is its code.
  if ((provider === 'generic') !== (settings.generic !== undefined)) {
    const message =
      provider === 'generic'
        ? 'required for a generic source: a preset, or auth and identity'
        : 'only for generic sources';
    throw new z.ZodError([{ code: 'custom', path: ['generic'], message, input: settings.generic }]);
  }
  const { processing } = settings;
  if (processing.mode === 'forward') {
    const target = await checkForwardTarget(processing.url, processing);
    if (!target.ok) {
      throw new z.ZodError([
        { code: 'custom', path: ['processing', 'url'], message: target.reason, input: processing.url },
      ]);
    }
  }
  return settings;
}

/**
 * Validated settings as the JSON column stores them. Forward mode signs with a Standard Webhooks secret of
 * its own: a write keeps the one the stored settings have (editing other settings, the URL included, must
 * not change what the receiver verifies with) or seals a new one, returned in plaintext this once. A
 * ciphertext in the input is ignored: only this function seals one.
 */
function settingsToStore(
  box: SecretBox,
  settings: SourceSettings,
  stored?: Prisma.JsonValue,
): { settings: Prisma.InputJsonObject; forwardSigningSecret?: string } {
  const asJson = (value: SourceSettings) => value as unknown as Prisma.InputJsonObject;
  if (settings.processing.mode !== 'forward') return { settings: asJson(settings) };
  const kept = readSourceSetting(stored, 'processing');
  if (kept?.mode === 'forward' && kept.signingSecretCiphertext) {
    const { signingSecretCiphertext } = kept;
    return { settings: asJson({ ...settings, processing: { ...settings.processing, signingSecretCiphertext } }) };
  }
  const forwardSigningSecret = generateSecret('standard');
  const processing = { ...settings.processing, signingSecretCiphertext: box.seal(forwardSigningSecret) };
  return { settings: asJson({ ...settings, processing }), forwardSigningSecret };
}

/** A write's result may carry a forward signing secret it made, in plaintext: shown once, never stored so. */
export interface IssuedForwardSecret {
  forwardSigningSecret?: string;
}

export interface NewSource {
  provider: ProviderName;
  name: string;
  settings?: unknown;
  /** Omit to have one generated (not for providers that issue their own). */
  secret?: string;
}

/** Creates a source; returns it with its secret (and forward signing secret) in plaintext, never shown again. */
export async function createSource(
  deps: SourceDeps,
  input: NewSource,
): Promise<{ source: SourceView; secret: string } & IssuedForwardSecret> {
  if (!input.secret && SENDER_ISSUED_SECRETS.has(input.provider)) {
    throw new SourceError('secret_required', `${input.provider} issues its own signing secret: pass it as "secret"`);
  }
  const parsed = await parseSettings(input.settings ?? {}, input.provider);
  if (input.secret) checkGivenSecret(input.provider, parsed, input.secret);
  const { settings, forwardSigningSecret } = settingsToStore(deps.box, parsed);
  const secret = input.secret ?? generateSecret(input.provider, parsed);
  const now = deps.now?.() ?? new Date();
  const existing = await deps.prisma.source.findUnique({
    where: { provider_name: { provider: input.provider, name: input.name } },
  });
  if (existing) throw new SourceError('source_exists', `a ${input.provider} source named "${input.name}" exists`);
  const row = await deps.prisma.source.create({
    data: {
      provider: input.provider,
      name: input.name,
      settings,
      secrets: { create: { ciphertext: deps.box.seal(secret) } },
    },
    include: sourceInclude,
  });
  return { source: view(row, now), secret, ...(forwardSigningSecret && { forwardSigningSecret }) };
}

export async function listSources(deps: SourceDeps): Promise<SourceView[]> {
  const now = deps.now?.() ?? new Date();
  const rows = await deps.prisma.source.findMany({ include: sourceInclude, orderBy: { createdAt: 'asc' } });
  return rows.map((row) => view(row, now));
}

export async function getSource(deps: SourceDeps, id: string): Promise<SourceView | null> {
  const row = await deps.prisma.source.findUnique({ where: { id }, include: sourceInclude });
  return row ? view(row, deps.now?.() ?? new Date()) : null;
}

export async function updateSource(
  deps: SourceDeps,
  id: string,
  patch: { name?: string; enabled?: boolean; settings?: unknown },
): Promise<SourceView & IssuedForwardSecret> {
  let settings: SourceSettings | undefined;
  if (patch.settings !== undefined) {
    const found = await deps.prisma.source.findUnique({
      where: { id },
      select: { provider: true, secrets: { select: { ciphertext: true, expiresAt: true } } },
    });
    if (!found) throw new SourceError('source_not_found', `no source ${id}`);
    const provider = found.provider as ProviderName;
    settings = await parseSettings(patch.settings, provider);
    // A generic source's secrets must still decode as the new settings decode them, or every delivery
    // would fail: refused here, before anything is written.
    const at = deps.now?.() ?? new Date();
    for (const secret of found.secrets.filter((entry) => isActive(entry, at))) {
      checkGivenSecret(provider, settings, deps.box.open(secret.ciphertext), 'an active secret');
    }
  }
  // The row stays locked from reading its settings to writing them, so two concurrent switches into
  // forward mode cannot each hand out a secret when only one is stored.
  const { row, written } = await deps.prisma.$transaction(async (tx) => {
    const [found] = await tx.$queryRaw<{ settings: Prisma.JsonValue }[]>`
      SELECT settings FROM sources WHERE id = ${id}::uuid FOR UPDATE`;
    if (!found) throw new SourceError('source_not_found', `no source ${id}`);
    // The routing rules have routes of their own (editSourceRoutes); a settings write that leaves them out
    // keeps them, so that it cannot undo a rule added since its writer read the settings.
    const keepRoutes = settings !== undefined && !Object.hasOwn(patch.settings as object, 'routes');
    const next = keepRoutes ? { ...settings!, routes: readSourceSetting(found.settings, 'routes') } : settings;
    const written = next === undefined ? undefined : settingsToStore(deps.box, next, found.settings);
    const row = await tx.source.update({
      where: { id },
      data: { name: patch.name, enabled: patch.enabled, settings: written?.settings },
      include: sourceInclude,
    });
    return { row, written };
  });
  const source = view(row, deps.now?.() ?? new Date());
  return written?.forwardSigningSecret ? { ...source, forwardSigningSecret: written.forwardSigningSecret } : source;
}

/**
 * A new current secret. Secrets that were active stay accepted for `previousSecretTtlSeconds` more (or
 * until their own earlier expiry), so deliveries signed with the old one keep landing while the sender
 * switches over. Returns the new secret in plaintext, once.
 */
export async function rotateSourceSecret(
  deps: SourceDeps,
  id: string,
  options: { secret?: string; previousSecretTtlSeconds: number },
): Promise<{ source: SourceView; secret: string }> {
  const source = await deps.prisma.source.findUnique({ where: { id }, select: { provider: true, settings: true } });
  if (!source) throw new SourceError('source_not_found', `no source ${id}`);
  const provider = source.provider as ProviderName;
  if (!options.secret && SENDER_ISSUED_SECRETS.has(provider)) {
    throw new SourceError('secret_required', `${provider} issues its own signing secret: pass it as "secret"`);
  }
  const settings = readSourceSettings(source.settings);
  if (options.secret) checkGivenSecret(provider, settings, options.secret);
  const now = deps.now?.() ?? new Date();
  const retireAt = new Date(now.getTime() + options.previousSecretTtlSeconds * 1000);
  const secret = options.secret ?? generateSecret(provider, settings);
  await deps.prisma.$transaction([
    deps.prisma.sourceSecret.updateMany({
      where: { sourceId: id, OR: [{ expiresAt: null }, { expiresAt: { gt: retireAt } }] },
      data: { expiresAt: retireAt },
    }),
    deps.prisma.sourceSecret.create({ data: { sourceId: id, ciphertext: deps.box.seal(secret) } }),
  ]);
  const row = await deps.prisma.source.findUniqueOrThrow({ where: { id }, include: sourceInclude });
  return { source: view(row, now), secret };
}
