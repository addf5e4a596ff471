/**
 * SSH key pairs made with node:crypto, in the three types Burrow issues:
 *
 *   'ed25519'     → ssh-ed25519           (the default for new gateway and relay keys)
 *   'ecdsa-p256'  → ecdsa-sha2-nistp256
 *   'rsa-2048'    → ssh-rsa, 2048-bit modulus, e = 65537 (what the reference's `ssh-keygen -t rsa
 *                   -b 2048` makes; signs with rsa-sha2-256/512 only)
 *
 * Write the private half with `encodeOpenSshPrivateKey`, the public half with
 * `formatSshPublicKeyLine`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CertificateError } from '../certificate-error.ts';
import type { SshPublicKeyAlgorithm } from './ssh-key-algorithm.ts';
import { encodeSshPublicKey } from './ssh-public-key.ts';

/** The key types `generateSshKeyPair` makes. */
export type SshKeyType = 'ed25519' | 'ecdsa-p256' | 'rsa-2048';

/** A private key with its public half, both as node:crypto keys, plus the SSH public key blob. */
export interface SshKeyPair {
  readonly algorithm: SshPublicKeyAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The SSH wire blob of the public key. */
  readonly publicKeyBlob: Buffer;
}

/**
 * Generates a new SSH key pair.
 *
 * @example
 *   const ca = generateSshKeyPair('ed25519');
 *   writeFileSync('ca', encodeOpenSshPrivateKey(ca.privateKey), { mode: 0o600 });
 */
export function generateSshKeyPair(type: SshKeyType): SshKeyPair {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  let algorithm: SshPublicKeyAlgorithm;
  switch (type) {
    case 'ed25519':
      pair = generateKeyPairSync('ed25519');
      algorithm = 'ssh-ed25519';
      break;
    case 'ecdsa-p256':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      algorithm = 'ecdsa-sha2-nistp256';
      break;
    case 'rsa-2048':
      pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
      algorithm = 'ssh-rsa';
      break;
    default:
      throw new CertificateError(
        'INVALID_ARGUMENT',
        `unknown SSH key type ${JSON.stringify(type as string)}`,
      );
  }
  return { algorithm, ...pair, publicKeyBlob: encodeSshPublicKey(pair.publicKey) };
}
