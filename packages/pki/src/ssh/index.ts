/**
 * OpenSSH keys, signatures and certificates on node:crypto.
 *
 * - keys: `generateSshKeyPair`, `encodeSshPublicKey` / `decodeSshPublicKey`,
 *   `formatSshPublicKeyLine` / `parseSshPublicKeyLine`, `sshFingerprint`,
 *   `encodeOpenSshPrivateKey` / `decodeOpenSshPrivateKey`
 * - certificates: `signSshCertificate`, `parseSshCertificate`, `formatSshCertificateLine`,
 *   `verifySshCertificate`
 * - signatures (for an ssh2-based relay or gateway): `signSshData`, `verifySshSignature`,
 *   `parseSshSignature`, `ecdsaDerToSshSignature` / `ecdsaSshSignatureToDer`
 * - wire format building blocks: `SshWireReader`, `SshWireWriter`
 *
 * Every failure is a `CertificateError` with a typed `code` (and `offset` for malformed input).
 */
export { SshWireReader, SshWireWriter } from './ssh-wire.ts';
export type {
  SshCertificateAlgorithm,
  SshPublicKeyAlgorithm,
  SshRsaSignatureAlgorithm,
  SshSignatureAlgorithm,
} from './ssh-key-algorithm.ts';
export {
  decodeSshPublicKey,
  encodeSshPublicKey,
  formatSshPublicKeyLine,
  parseSshPublicKeyLine,
  type SshPublicKey,
  type SshPublicKeyLine,
} from './ssh-public-key.ts';
export { sshFingerprint } from './ssh-fingerprint.ts';
export { generateSshKeyPair, type SshKeyPair, type SshKeyType } from './ssh-key-pair.ts';
export {
  decodeOpenSshPrivateKey,
  encodeOpenSshPrivateKey,
  type OpenSshPrivateKey,
} from './openssh-private-key.ts';
export { ecdsaDerToSshSignature, ecdsaSshSignatureToDer } from './ecdsa-signature-encoding.ts';
export {
  parseSshSignature,
  signSshData,
  verifySshSignature,
  type SignSshDataOptions,
  type SshSignature,
  type VerifySshSignatureOptions,
} from './ssh-signature.ts';
export {
  formatSshCertificateLine,
  parseSshCertificate,
  SSH_CERTIFICATE_VALID_FOREVER,
  type SshCertificate,
  type SshCertificateType,
} from './ssh-certificate.ts';
export {
  DEFAULT_SSH_USER_CERTIFICATE_EXTENSIONS,
  signSshCertificate,
  type SignSshCertificateOptions,
} from './sign-ssh-certificate.ts';
export { verifySshCertificate, type SshCertificatePolicy } from './verify-ssh-certificate.ts';
