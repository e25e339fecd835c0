import { describe, expect, it } from 'vitest';
import { PROVIDER_NAMES } from './provider.js';
import { PROVIDERS, isProviderName } from './registry.js';

describe('PROVIDERS', () => {
  it('holds one provider per name but generic (configured per source), each under its own name', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual(PROVIDER_NAMES.filter((name) => name !== 'generic').sort());
    for (const [name, provider] of Object.entries(PROVIDERS)) expect(provider.name).toBe(name);
  });
});

describe('isProviderName', () => {
  it('knows every provider, generic included, and nothing else, inherited names included', () => {
    for (const name of PROVIDER_NAMES) expect(isProviderName(name)).toBe(true);
    for (const name of ['GitHub', 'bitbucket', '', 'constructor', 'toString', '__proto__']) {
      expect(isProviderName(name)).toBe(false);
    }
  });
});
