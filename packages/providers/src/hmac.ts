import { createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_BYTES = 32;

/**
 * The index of the first secret whose HMAC-SHA256 of `message` equals the hex `signature`, or -1. Compares
 * bytes (so hex case does not matter) with timingSafeEqual after a length check; an empty secret never matches.
 */
export function findHmacSha256Secret(secrets: readonly string[], message: string, signature: string): number {
  const offered = /^[0-9a-f]+$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (offered.length !== SHA256_BYTES) return -1;
  return secrets.findIndex(
    (secret) => secret !== '' && timingSafeEqual(createHmac('sha256', secret).update(message).digest(), offered),
  );
}
