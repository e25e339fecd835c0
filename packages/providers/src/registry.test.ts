import { describe, expect, it } from 'vitest';
import { githubProvider } from './github.js';
import { PROVIDER_NAMES } from './provider.js';
import { PROVIDERS, isProviderName, providerByName } from './registry.js';
import { standardWebhooksProvider } from './standard-webhooks.js';

describe('PROVIDERS', () => {
  it('holds one provider per name but generic (configured per source), each under its own name', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual(PROVIDER_NAMES.filter((name) => name !== 'generic').sort());
    for (const [name, provider] of Object.entries(PROVIDERS)) expect(provider.name).toBe(name);
  });
});

describe('providerByName', () => {
  it('finds known providers and nothing else, inherited names included', () => {
    expect(providerByName('github')).toBe(githubProvider);
    expect(providerByName('standard')).toBe(standardWebhooksProvider);
    expect(providerByName('generic')).toBeUndefined();
    expect(isProviderName('generic')).toBe(true);
    for (const name of ['GitHub', 'bitbucket', '', 'constructor', 'toString', '__proto__']) {
      expect(providerByName(name)).toBeUndefined();
      expect(isProviderName(name)).toBe(false);
    }
  });
});
