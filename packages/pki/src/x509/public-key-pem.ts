/**
 * Public keys as PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`).
 */
import { KeyObject, createPublicKey, type webcrypto } from 'node:crypto';

import { CertificateError } from '../certificate-error.ts';
import { keyAlgorithmOfKeyObject, webCryptoKeyParams, type KeyAlgorithm } from './key-algorithm.ts';
import type { KeyPair } from './key-pair.ts';

/**
 * A public key on its own, e.g. one read from a PEM file.
 *
 * @example
 *   const { algorithm, publicKey } = importPublicKeyPem(pem);
 */
export interface PublicKeyInfo {
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: webcrypto.CryptoKey;
}

/**
 * Exports a public key as an SPKI PEM string.
 *
 * @example
 *   exportPublicKeyPem(keyPair); // "-----BEGIN PUBLIC KEY-----\n..."
 */
export function exportPublicKeyPem(key: KeyPair | PublicKeyInfo | webcrypto.CryptoKey): string {
  const publicKey = 'publicKey' in key ? key.publicKey : key;
  if (publicKey.type !== 'public') {
    throw new CertificateError('INVALID_ARGUMENT', 'exportPublicKeyPem needs a public key');
  }
  return KeyObject.from(publicKey).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * Imports an SPKI PEM public key. Bad PEM gives CertificateError('MALFORMED'); a key type we do
 * not issue gives 'UNSUPPORTED_ALGORITHM'.
 *
 * @example
 *   const { publicKey } = importPublicKeyPem(exportPublicKeyPem(keyPair));
 */
export function importPublicKeyPem(pem: string): PublicKeyInfo {
  let keyObject: KeyObject;
  try {
    if (typeof pem !== 'string' || !pem.includes('-----BEGIN PUBLIC KEY-----')) {
      throw new Error('no PUBLIC KEY PEM block');
    }
    keyObject = createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new CertificateError('MALFORMED', 'not a readable PEM public key', { cause });
  }
  const algorithm = keyAlgorithmOfKeyObject(keyObject);
  return {
    algorithm,
    publicKey: keyObject.toCryptoKey(webCryptoKeyParams(algorithm), true, ['verify']),
  };
}
