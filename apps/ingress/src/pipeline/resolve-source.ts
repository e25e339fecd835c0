// The first step: which source a request is for. A configured source comes from its URL (provider and id);
// the built-in GitHub source from GITHUB_WEBHOOK_SECRET and the WEBHOOK_* settings beside it.
import type { RequestHandler } from 'express';
import { AppError } from '@hookfleet/http';
import { PROVIDERS, createGenericProvider, isProviderName, type Provider } from '@hookfleet/providers';
import { genericConfigOf, type ResolvedSource, type SourceResolver } from '@hookfleet/sources';
import type { IngressConfig } from '../config.js';
import { webhookStateOf, type RequestSource } from './context.js';

/** The built-in GitHub source, or null when GITHUB_WEBHOOK_SECRET is not set. */
export function builtInGithubSource(
  config: Pick<
    IngressConfig,
    'GITHUB_WEBHOOK_SECRET' | 'WEBHOOK_PAYLOAD_VALIDATION' | 'WEBHOOK_ENABLE_IP_WHITELIST' | 'WEBHOOK_ALLOWED_IPS'
  >,
): RequestSource | null {
  if (!config.GITHUB_WEBHOOK_SECRET) return null;
  return {
    id: null,
    name: 'github',
    provider: PROVIDERS.github,
    secrets: [{ id: null, value: config.GITHUB_WEBHOOK_SECRET }],
    settings: {
      validation: config.WEBHOOK_PAYLOAD_VALIDATION,
      ipAllowlist: config.WEBHOOK_ENABLE_IP_WHITELIST ? config.WEBHOOK_ALLOWED_IPS : undefined,
      allowGithubHookRanges: config.WEBHOOK_ENABLE_IP_WHITELIST && !config.WEBHOOK_ALLOWED_IPS?.length,
      requireProviderUserAgent: false,
      processing: { mode: 'store' },
    },
  };
}

export function useBuiltInGithub(builtIn: RequestSource | null): RequestHandler {
  return (_req, res, next) => {
    if (!builtIn) throw new AppError('source_not_found', 'GITHUB_WEBHOOK_SECRET is not set: use a source URL');
    webhookStateOf(res).source = builtIn;
    next();
  };
}

/** The source a /webhooks/:provider/:sourceId URL names: it must exist for that provider, be enabled and hold a secret. */
export function resolveSource(sources: SourceResolver | null): RequestHandler {
  return async (req, res, next) => {
    const name = String(req.params.provider);
    if (!isProviderName(name)) throw new AppError('unknown_provider', `no provider "${name}"`);
    const sourceId = String(req.params.sourceId);
    const resolved = /^[0-9a-f-]{36}$/i.test(sourceId) && sources ? await sources.resolve(sourceId) : null;
    if (!resolved || resolved.provider !== name) {
      throw new AppError('source_not_found', `no ${name} source ${sourceId}`);
    }
    if (!resolved.enabled) throw new AppError('source_disabled', 'this source is disabled');
    if (resolved.secrets.length === 0) throw new AppError('source_disabled', 'this source has no active secret');
    webhookStateOf(res).source = { ...resolved, provider: providerOf(resolved) };
    next();
  };
}

// The resolver keeps a source's settings object until it reloads the row, so a generic source's provider is
// built once per load rather than per delivery.
const genericProviders = new WeakMap<object, Provider>();

/** A code provider by name; a generic source's, from its settings (saved only with `generic` set). */
function providerOf(source: ResolvedSource): Provider {
  if (source.provider !== 'generic') return PROVIDERS[source.provider];
  const config = source.settings.generic;
  if (!config) throw new Error(`generic source ${source.id} has no generic settings`);
  let provider = genericProviders.get(config);
  if (!provider) {
    provider = createGenericProvider(genericConfigOf(config));
    genericProviders.set(config, provider);
  }
  return provider;
}
