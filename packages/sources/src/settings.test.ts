import { describe, expect, it } from 'vitest';
import { isAllowed, readSourceSetting, readSourceSettings, sourceSettingsSchema, toBlockList } from './settings.js';

describe('allowlists', () => {
  const list = toBlockList(['192.30.252.0/22', '2a0a:a440::/29', '10.1.2.3']);
  it('match IPv4, IPv4-mapped IPv6, IPv6 and single addresses', () => {
    expect(isAllowed(list, '192.30.252.7')).toBe(true);
    expect(isAllowed(list, '::ffff:192.30.252.7')).toBe(true);
    expect(isAllowed(list, '2a0a:a440::1')).toBe(true);
    expect(isAllowed(list, '10.1.2.3')).toBe(true);
  });
  it('refuse everything else, including garbage', () => {
    for (const ip of ['192.30.248.1', '::ffff:10.1.2.4', '2a0b::1', '', 'localhost', '::ffff:999.1.1.1'])
      expect(isAllowed(list, ip), ip).toBe(false);
  });
  it('refuse malformed ranges when settings are saved', () => {
    for (const range of ['10.0.0.0/33', '::/129', '1.2.3', '10.0.0.0/8/1', 'example.com']) {
      expect(sourceSettingsSchema.safeParse({ ipAllowlist: [range] }).success, range).toBe(false);
    }
  });
});

describe('stored settings', () => {
  // A row a later version could not have written: a setting this one does not know, one it refuses.
  const stored = {
    retired: true,
    rateLimitPerMinute: -1,
    retry: { maxRetries: 3 },
    deadLetterRedrive: { afterSeconds: 60, maxRedrives: 2 },
  };

  it('read whole, with their defaults, or refused whole', () => {
    expect(readSourceSettings({})).toMatchObject({ validation: 'record', processing: { mode: 'store' } });
    expect(() => readSourceSettings(stored)).toThrow();
  });

  it('read one at a time, whatever the other settings hold', () => {
    expect(readSourceSetting(stored, 'retry')).toEqual({ maxRetries: 3 });
    expect(readSourceSetting(stored, 'deadLetterRedrive')).toEqual({ afterSeconds: 60, maxRedrives: 2 });
    expect(readSourceSetting(stored, 'rateLimitPerMinute')).toBeUndefined();
  });

  it('read one setting as its default when absent, and as undefined when the schema refuses it', () => {
    expect(readSourceSetting({}, 'processing')).toEqual({ mode: 'store' });
    expect(readSourceSetting(null, 'retry')).toBeUndefined();
    expect(readSourceSetting({ processing: { mode: 'mirror' } }, 'processing')).toBeUndefined();
    expect(readSourceSetting({ deadLetterRedrive: { afterSeconds: 60, maxRedrives: 11 } }, 'deadLetterRedrive')).toBe(
      undefined,
    );
  });
});
