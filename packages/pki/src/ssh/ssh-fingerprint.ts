/**
 * The SHA-256 fingerprint of an SSH public key, as `ssh-keygen -l` prints it:
 *
 *   "SHA256:" || base64(SHA-256(public key blob)) without the trailing "=" padding
 *
 * For a certificate, pass the certificate's `publicKeyBlob` (the subject key) or
 * `signatureKeyBlob` (the CA) — `ssh-keygen -L` shows exactly these two.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { encodeSshPublicKey } from './ssh-public-key.ts';

/**
 * Fingerprint of a public key blob (or node:crypto key).
 *
 * @example
 *   sshFingerprint(blob) // 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8'
 */
export function sshFingerprint(key: Buffer | KeyObject): string {
  const blob = Buffer.isBuffer(key) ? key : encodeSshPublicKey(key);
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
