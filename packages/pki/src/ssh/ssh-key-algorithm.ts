/**
 * The SSH key, signature and certificate algorithm names this package handles, and what each one
 * means in node:crypto terms.
 *
 *   key algorithm         signature algorithm(s)         certificate algorithm
 *   ssh-ed25519           ssh-ed25519                    ssh-ed25519-cert-v01@openssh.com
 *   ecdsa-sha2-nistp256   ecdsa-sha2-nistp256 (SHA-256)  ecdsa-sha2-nistp256-cert-v01@openssh.com
 *   ecdsa-sha2-nistp384   ecdsa-sha2-nistp384 (SHA-384)  ecdsa-sha2-nistp384-cert-v01@openssh.com
 *   ecdsa-sha2-nistp521   ecdsa-sha2-nistp521 (SHA-512)  ecdsa-sha2-nistp521-cert-v01@openssh.com
 *   ssh-rsa               rsa-sha2-256, rsa-sha2-512     ssh-rsa-cert-v01@openssh.com
 *
 * `ssh-rsa` as a *signature* algorithm (RSA with SHA-1) is refused: OpenSSH ≥ 8.8 refuses it too.
 * DSA and the FIDO `sk-*` types are not supported.
 */
import { CertificateError } from '../certificate-error.ts';

/** A plain public key type as written on the wire and in `authorized_keys`. */
export type SshPublicKeyAlgorithm =
  'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

/** A signature algorithm name (the `string algo` of a signature blob). */
export type SshSignatureAlgorithm =
  | 'ssh-ed25519'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'ecdsa-sha2-nistp521'
  | 'rsa-sha2-256'
  | 'rsa-sha2-512';

/** An OpenSSH certificate type (`PROTOCOL.certkeys` v01). */
export type SshCertificateAlgorithm = `${SshPublicKeyAlgorithm}-cert-v01@openssh.com`;

/** Which RSA signature algorithm to sign with. */
export type SshRsaSignatureAlgorithm = 'rsa-sha2-256' | 'rsa-sha2-512';

/** Facts about one ECDSA curve. @internal */
export interface EcdsaCurve {
  /** The SSH curve identifier, e.g. `nistp256`. */
  readonly sshName: 'nistp256' | 'nistp384' | 'nistp521';
  /** JWK `crv`, e.g. `P-256`. */
  readonly jwkCurve: 'P-256' | 'P-384' | 'P-521';
  /** node's `asymmetricKeyDetails.namedCurve`. */
  readonly nodeCurve: 'prime256v1' | 'secp384r1' | 'secp521r1';
  /** Bytes in one coordinate (and in r, s and d). */
  readonly coordinateBytes: number;
  /** Hash used with this curve in SSH signatures (RFC 5656 §6.2.1). */
  readonly hash: 'sha256' | 'sha384' | 'sha512';
}

const CURVES: Record<string, EcdsaCurve> = {
  'ecdsa-sha2-nistp256': {
    sshName: 'nistp256',
    jwkCurve: 'P-256',
    nodeCurve: 'prime256v1',
    coordinateBytes: 32,
    hash: 'sha256',
  },
  'ecdsa-sha2-nistp384': {
    sshName: 'nistp384',
    jwkCurve: 'P-384',
    nodeCurve: 'secp384r1',
    coordinateBytes: 48,
    hash: 'sha384',
  },
  'ecdsa-sha2-nistp521': {
    sshName: 'nistp521',
    jwkCurve: 'P-521',
    nodeCurve: 'secp521r1',
    coordinateBytes: 66,
    hash: 'sha512',
  },
};

const CERT_SUFFIX = '-cert-v01@openssh.com';

/** True for a key algorithm name this package handles. @internal */
export function isSshPublicKeyAlgorithm(name: string): name is SshPublicKeyAlgorithm {
  return name === 'ssh-ed25519' || name === 'ssh-rsa' || Object.hasOwn(CURVES, name);
}

/** The ECDSA curve facts for a key algorithm, or undefined when it is not ECDSA. @internal */
export function ecdsaCurveOf(algorithm: string): EcdsaCurve | undefined {
  return Object.hasOwn(CURVES, algorithm) ? CURVES[algorithm] : undefined;
}

/** The ECDSA key algorithm for a node curve name, or undefined. @internal */
export function ecdsaAlgorithmForNodeCurve(nodeCurve: string): SshPublicKeyAlgorithm | undefined {
  for (const [algorithm, curve] of Object.entries(CURVES)) {
    if (curve.nodeCurve === nodeCurve) return algorithm as SshPublicKeyAlgorithm;
  }
  return undefined;
}

/** `ssh-ed25519` → `ssh-ed25519-cert-v01@openssh.com`. @internal */
export function certificateAlgorithmFor(algorithm: SshPublicKeyAlgorithm): SshCertificateAlgorithm {
  return `${algorithm}${CERT_SUFFIX}`;
}

/**
 * The plain key algorithm inside a certificate algorithm name; throws UNSUPPORTED_ALGORITHM for
 * names we do not handle. @internal
 */
export function keyAlgorithmOfCertificate(name: string, offset: number): SshPublicKeyAlgorithm {
  const plain = name.endsWith(CERT_SUFFIX) ? name.slice(0, -CERT_SUFFIX.length) : '';
  if (!isSshPublicKeyAlgorithm(plain)) {
    throw new CertificateError(
      'UNSUPPORTED_ALGORITHM',
      `unsupported certificate type ${JSON.stringify(name)}`,
      { offset },
    );
  }
  return plain;
}

/**
 * The signature algorithms a key of `algorithm` may produce (RSA: SHA-2 only).
 * @internal
 */
export function signatureAlgorithmsFor(
  algorithm: SshPublicKeyAlgorithm,
): readonly SshSignatureAlgorithm[] {
  if (algorithm === 'ssh-rsa') return ['rsa-sha2-256', 'rsa-sha2-512'];
  return [algorithm];
}

/** True for every signature algorithm name we recognise, including refused `ssh-rsa`. @internal */
export function isKnownSignatureAlgorithmName(name: string): boolean {
  return (
    name === 'ssh-ed25519' ||
    name === 'ssh-rsa' ||
    name === 'rsa-sha2-256' ||
    name === 'rsa-sha2-512' ||
    Object.hasOwn(CURVES, name)
  );
}
