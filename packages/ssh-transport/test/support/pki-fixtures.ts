/**
 * Keys, CAs and certificates for tests, made with @burrow/pki (ssh-keygen makes its own in the
 * OpenSSH interop tests, as an independent judge).
 */
import {
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  signSshCertificate,
  type SshKeyPair,
  type SshKeyType,
} from '@burrow/pki';

export interface TestKey {
  readonly pair: SshKeyPair;
  /** OpenSSH private key file text. */
  readonly privateKey: string;
  /** `<type> <base64> <comment>` */
  readonly publicKeyLine: string;
}

export function makeKey(type: SshKeyType = 'ed25519', comment = 'test'): TestKey {
  const pair = generateSshKeyPair(type);
  return {
    pair,
    privateKey: encodeOpenSshPrivateKey(pair.privateKey, comment),
    publicKeyLine: formatSshPublicKeyLine(pair.publicKeyBlob, comment),
  };
}

export interface CertOptions {
  readonly keyId: string;
  readonly principals: readonly string[];
  /** Seconds relative to now. Default -60. */
  readonly validFromSeconds?: number;
  /** Seconds relative to now. Default +3600. */
  readonly validToSeconds?: number;
}

function issue(ca: TestKey, subject: TestKey, type: 'user' | 'host', options: CertOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const cert = signSshCertificate({
    caPrivateKey: ca.pair.privateKey,
    publicKey: subject.pair.publicKeyBlob,
    type,
    keyId: options.keyId,
    serial: 1n,
    principals: options.principals,
    validAfter: BigInt(now + (options.validFromSeconds ?? -60)),
    validBefore: BigInt(now + (options.validToSeconds ?? 3600)),
  });
  return formatSshCertificateLine(cert, `${type}-cert`);
}

export function issueUserCert(ca: TestKey, subject: TestKey, options: CertOptions): string {
  return issue(ca, subject, 'user', options);
}

export function issueHostCert(ca: TestKey, subject: TestKey, options: CertOptions): string {
  return issue(ca, subject, 'host', options);
}

/**
 * Forges a certificate line: replaces the bytes `from` with `to` (same length) inside the blob,
 * e.g. a principal, leaving the CA signature as it was.
 */
export function tamperCertLine(line: string, from: string, to: string): string {
  if (from.length !== to.length)
    throw new Error('tamperCertLine: from and to must have the same length');
  const [type, b64, ...rest] = line.split(' ');
  const blob = Buffer.from(b64 as string, 'base64');
  const at = blob.indexOf(Buffer.from(from));
  if (at < 0) throw new Error(`tamperCertLine: ${from} not in the certificate`);
  Buffer.from(to).copy(blob, at);
  return [type, blob.toString('base64'), ...rest].join(' ');
}
