/**
 * Key algorithms Burrow issues certificates for, and their WebCrypto parameters.
 *
 * - `ecdsa-p256`: Burrow's default (small keys, fast handshakes). Signatures: ecdsa-with-SHA256.
 * - `rsa-2048`: what the reference platform issues everywhere (RSASSA-PKCS1-v1_5 with SHA-256),
 *   for peers that insist on it.
 * - `ed25519`: pure EdDSA; accepted by OpenSSL 3 and Go for TLS 1.3.
 */
import type { KeyObject, webcrypto } from 'node:crypto';

import { CertificateError } from '../certificate-error.ts';

/**
 * Name of a supported key algorithm.
 *
 * @example
 *   const algorithm: KeyAlgorithm = 'ecdsa-p256';
 */
export type KeyAlgorithm = 'ecdsa-p256' | 'rsa-2048' | 'ed25519';

/**
 * Every supported key algorithm, default first.
 *
 * @example
 *   for (const algorithm of KEY_ALGORITHMS) await generateKeyPair(algorithm);
 */
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ecdsa-p256', 'rsa-2048', 'ed25519'];

/**
 * The key algorithm used when a caller does not name one.
 *
 * @example
 *   await generateKeyPair(DEFAULT_KEY_ALGORITHM);
 */
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'ecdsa-p256';

/**
 * WebCrypto import/generate parameters for a key algorithm (the signature hash is part of the key
 * for RSA, and `@peculiar/x509` picks SHA-256 for ECDSA).
 *
 * @example
 *   await crypto.subtle.generateKey(webCryptoKeyParams('ed25519'), true, ['sign', 'verify']);
 */
export function webCryptoKeyParams(
  algorithm: KeyAlgorithm,
): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm {
  switch (algorithm) {
    case 'ecdsa-p256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'rsa-2048':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([0x01, 0x00, 0x01]),
        hash: 'SHA-256',
      };
    case 'ed25519':
      return { name: 'Ed25519' };
    default:
      throw new CertificateError(
        'UNSUPPORTED_ALGORITHM',
        `unsupported key algorithm ${String(algorithm)}`,
      );
  }
}

/**
 * Tells which supported algorithm a WebCrypto key is.
 *
 * @example
 *   keyAlgorithmOf(keyPair.publicKey); // 'ecdsa-p256'
 */
export function keyAlgorithmOf(key: webcrypto.CryptoKey): KeyAlgorithm {
  const algorithm = key.algorithm as Partial<
    webcrypto.RsaHashedKeyAlgorithm & webcrypto.EcKeyAlgorithm
  >;
  switch (algorithm.name) {
    case 'ECDSA':
      if (algorithm.namedCurve === 'P-256') return 'ecdsa-p256';
      break;
    case 'RSASSA-PKCS1-v1_5':
      if (algorithm.modulusLength === 2048) return 'rsa-2048';
      break;
    case 'Ed25519':
      return 'ed25519';
  }
  throw new CertificateError(
    'UNSUPPORTED_ALGORITHM',
    `unsupported key: ${JSON.stringify(key.algorithm)}`,
  );
}

/**
 * Maps a node:crypto key to the supported algorithm it is.
 *
 * @example
 *   keyAlgorithmOfKeyObject(createPublicKey(pem)); // 'ed25519'
 */
export function keyAlgorithmOfKeyObject(keyObject: KeyObject): KeyAlgorithm {
  const details = keyObject.asymmetricKeyDetails;
  switch (keyObject.asymmetricKeyType) {
    case 'ec':
      if (details?.namedCurve === 'prime256v1') return 'ecdsa-p256';
      break;
    case 'rsa':
      if (details?.modulusLength === 2048) return 'rsa-2048';
      break;
    case 'ed25519':
      return 'ed25519';
  }
  throw new CertificateError(
    'UNSUPPORTED_ALGORITHM',
    `unsupported key type ${keyObject.asymmetricKeyType ?? keyObject.type}` +
      (details?.namedCurve ? ` (${details.namedCurve})` : '') +
      (details?.modulusLength ? ` (${details.modulusLength} bits)` : ''),
  );
}
