/**
 * Private keys as PEM: written as PKCS#8 (`-----BEGIN PRIVATE KEY-----`), which is what the
 * reference returns (Go reads it with `ParsePKCS8PrivateKey`) and what node:tls takes as `key`.
 *
 * Reading also accepts the legacy PKCS#1 (`RSA PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`) forms,
 * since OpenSSL tooling still writes them. Encrypted keys are refused (MALFORMED): Burrow keeps
 * keys encrypted at rest by other means and never handles passphrases here.
 */
import { KeyObject, createPrivateKey, createPublicKey, type webcrypto } from 'node:crypto';

import { CertificateError } from '../certificate-error.ts';
import { keyAlgorithmOfKeyObject, webCryptoKeyParams } from './key-algorithm.ts';
import type { KeyPair } from './key-pair.ts';

/**
 * Exports a private key as a PKCS#8 PEM string.
 *
 * @example
 *   const keyPem = exportPrivateKeyPem(await generateKeyPair('rsa-2048'));
 *   tls.createServer({ key: keyPem, cert: certPem });
 */
export function exportPrivateKeyPem(key: KeyPair | webcrypto.CryptoKey): string {
  const privateKey = 'privateKey' in key ? key.privateKey : key;
  if (privateKey.type !== 'private') {
    throw new CertificateError('INVALID_ARGUMENT', 'exportPrivateKeyPem needs a private key');
  }
  return KeyObject.from(privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Imports a PEM private key (PKCS#8, or legacy PKCS#1/SEC1) and derives its public key.
 * Bad PEM gives CertificateError('MALFORMED'); a key type we do not issue gives
 * 'UNSUPPORTED_ALGORITHM'.
 *
 * @example
 *   const keyPair = importPrivateKeyPem(fs.readFileSync('ca.key', 'utf8'));
 *   keyPair.algorithm; // 'ecdsa-p256'
 */
export function importPrivateKeyPem(pem: string): KeyPair {
  let keyObject: KeyObject;
  try {
    if (typeof pem !== 'string' || !pem.includes('PRIVATE KEY-----')) throw new Error('no PEM');
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new CertificateError('MALFORMED', 'not a readable unencrypted PEM private key', {
      cause,
    });
  }
  const algorithm = keyAlgorithmOfKeyObject(keyObject);
  const params = webCryptoKeyParams(algorithm);
  return {
    algorithm,
    privateKey: keyObject.toCryptoKey(params, true, ['sign']),
    publicKey: createPublicKey(keyObject).toCryptoKey(params, true, ['verify']),
  };
}
