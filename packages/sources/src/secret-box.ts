// Source secrets at rest: AES-256-GCM under one key from the env (SOURCE_SECRETS_KEY). The "v1:" prefix
// names the scheme so that a later key rotation can tell old ciphertexts from new ones.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const SCHEME = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** `keyBase64`: 32 random bytes, base64 (e.g. `openssl rand -base64 32`). */
export function createSecretBox(keyBase64: string): SecretBox {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new SecretBoxError('SOURCE_SECRETS_KEY must be 32 bytes, base64-encoded');
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${SCHEME}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
    },
    open(sealed) {
      const [scheme, data] = sealed.split(':', 2);
      if (scheme !== SCHEME || !data) throw new SecretBoxError('unknown secret encryption scheme');
      const bytes = Buffer.from(data, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretBoxError('secret cannot be decrypted with this SOURCE_SECRETS_KEY');
      }
    },
  };
}
