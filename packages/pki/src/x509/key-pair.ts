/**
 * Key pairs for CAs and leaf certificates, as extractable WebCrypto keys.
 *
 * Keys stay `CryptoKey`s in memory (what `@peculiar/x509` signs with); `private-key-pem.ts` and
 * `public-key-pem.ts` turn them into the PEM strings node:tls and the reference's API use.
 */
import type { webcrypto } from 'node:crypto';
import { webCryptoKeyParams, type KeyAlgorithm } from './key-algorithm.ts';

/**
 * A private key and its public key, labelled with the algorithm.
 *
 * @example
 *   const { algorithm, privateKey, publicKey } = await generateKeyPair('ed25519');
 */
export interface KeyPair {
  readonly algorithm: KeyAlgorithm;
  readonly privateKey: webcrypto.CryptoKey;
  readonly publicKey: webcrypto.CryptoKey;
}

/**
 * Generates a fresh, extractable key pair (`ecdsa-p256` is Burrow's default, `rsa-2048` the
 * reference's).
 *
 * @example
 *   const keyPair = await generateKeyPair('ecdsa-p256');
 *   const pem = exportPrivateKeyPem(keyPair); // "-----BEGIN PRIVATE KEY-----..."
 */
export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPair> {
  const pair = (await globalThis.crypto.subtle.generateKey(webCryptoKeyParams(algorithm), true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  return { algorithm, privateKey: pair.privateKey, publicKey: pair.publicKey };
}
