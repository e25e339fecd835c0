import { describe, expect, it } from 'vitest';
import { isAllowed, sourceSettingsSchema, toBlockList } from './settings.js';

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
