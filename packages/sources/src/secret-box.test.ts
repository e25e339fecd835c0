import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBoxError, createSecretBox } from './secret-box.js';

const key = randomBytes(32).toString('base64');

describe('createSecretBox', () => {
  it('round-trips, and never stores the plaintext or the same ciphertext twice', () => {
    const box = createSecretBox(key);
    const sealed = box.seal('whsec_topsecret');
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(sealed).not.toContain('topsecret');
    expect(box.seal('whsec_topsecret')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('whsec_topsecret');
  });

  it('refuses a tampered ciphertext and another key', () => {
    const box = createSecretBox(key);
    const sealed = box.seal('secret');
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => box.open(`v1:${bytes.toString('base64')}`)).toThrow(SecretBoxError);
    expect(() => createSecretBox(randomBytes(32).toString('base64')).open(sealed)).toThrow(SecretBoxError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
