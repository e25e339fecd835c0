import { describe, expect, it } from 'vitest';
import { githubProvider } from './github.js';
import { PROVIDER_NAMES } from './provider.js';
import { PROVIDERS, providerByName } from './registry.js';
import { standardWebhooksProvider } from './standard-webhooks.js';

describe('PROVIDERS', () => {
  it('holds one provider per name, each under its own name', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_NAMES].sort());
    for (const [name, provider] of Object.entries(PROVIDERS)) expect(provider.name).toBe(name);
  });
});

describe('providerByName', () => {
  it('finds known providers and nothing else, inherited names included', () => {
    expect(providerByName('github')).toBe(githubProvider);
    expect(providerByName('standard')).toBe(standardWebhooksProvider);
    for (const name of ['GitHub', 'bitbucket', '', 'constructor', 'toString', '__proto__']) {
      expect(providerByName(name)).toBeUndefined();
    }
  });
});
