import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Digests of the high-entropy secrets the control plane hands out (client secrets, access
 * tokens). They are 256-bit random values, so a fast SHA-256 digest is enough: nothing can be
 * guessed from it, and it doubles as the lookup key. (User passwords are low-entropy and use a
 * slow KDF instead; that lives in the control plane.)
 *
 * @example
 *   const secret = generateSecret();           // shown to the caller once
 *   const digest = digestSecret(secret);       // stored
 *   secretMatches(secret, digest);             // true
 */

/** Bytes of randomness in every generated secret and token. */
export const SECRET_BYTES = 32;

/** A fresh random secret as lowercase hex (64 characters). */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('hex');
}

/** SHA-256 of a secret, hex; what is stored instead of the secret. */
export function digestSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored digest in constant time. */
export function secretMatches(secret: string, storedDigest: string): boolean {
  const presented = Buffer.from(digestSecret(secret), 'hex');
  const stored = Buffer.from(storedDigest, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
