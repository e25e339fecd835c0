// The ingress's view of sources: one query per source per few seconds, not per delivery. A change made
// through the admin API (disable, rotate, settings) reaches every ingress replica within `ttlMs`.
import type { PrismaClient } from '@hookfleet/db';
import type { ProviderName } from '@hookfleet/providers';
import type { SecretBox } from './secret-box.js';
import { readSourceSettings, type SourceSettings } from './settings.js';
import { isActive, sourceInclude } from './sources.js';

export interface ResolvedSource {
  id: string;
  provider: ProviderName;
  name: string;
  enabled: boolean;
  settings: SourceSettings;
  /** Active secrets, newest (current) first. */
  secrets: Array<{ id: string; value: string }>;
}

interface CachedSource {
  source: Omit<ResolvedSource, 'secrets'> & { secrets: Array<{ id: string; value: string; expiresAt: Date | null }> };
}

export interface SourceResolver {
  resolve(id: string): Promise<ResolvedSource | null>;
  /** Records that a secret verified a delivery (at most once a minute per secret and process). */
  markMatched(secretId: string): void;
}

const MARK_INTERVAL_MS = 60_000;

export function createSourceResolver(options: {
  prisma: PrismaClient;
  box: SecretBox;
  ttlMs?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}): SourceResolver {
  const ttlMs = options.ttlMs ?? 5000;
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, CachedSource | null>();
  const loadedAt = new Map<string, number>();
  const lastMarked = new Map<string, number>();

  async function load(id: string): Promise<CachedSource | null> {
    const row = await options.prisma.source.findUnique({ where: { id }, include: sourceInclude });
    if (!row) return null;
    return {
      source: {
        id: row.id,
        provider: row.provider as ProviderName,
        name: row.name,
        enabled: row.enabled,
        settings: readSourceSettings(row.settings),
        secrets: row.secrets.map((secret) => ({
          id: secret.id,
          value: options.box.open(secret.ciphertext),
          expiresAt: secret.expiresAt,
        })),
      },
    };
  }

  return {
    async resolve(id) {
      let entry = cache.get(id);
      if (entry === undefined || Date.now() - (loadedAt.get(id) ?? 0) > ttlMs) {
        entry = await load(id);
        cache.set(id, entry);
        loadedAt.set(id, Date.now());
      }
      if (!entry) return null;
      const at = now();
      const { secrets, ...source } = entry.source;
      return {
        ...source,
        secrets: secrets
          .filter((secret) => isActive(secret, at))
          .map((secret) => ({ id: secret.id, value: secret.value })),
      };
    },
    markMatched(secretId) {
      const last = lastMarked.get(secretId) ?? 0;
      if (Date.now() - last < MARK_INTERVAL_MS) return;
      lastMarked.set(secretId, Date.now());
      options.prisma.sourceSecret
        .update({ where: { id: secretId }, data: { lastMatchedAt: now() } })
        .catch((error: unknown) => options.onError?.(error));
    },
  };
}
