/**
 * Certificates the profiles would never issue — arbitrary extensions, any issuer (even a leaf),
 * any validity — for negative tests. Signed by the same code path as real certificates.
 */
import type {
  CertificateAuthority,
  DistinguishedName,
  IssuedCertificate,
  KeyAlgorithm,
} from '../../src/x509/index.ts';
import { certificateToPem, exportPrivateKeyPem, generateKeyPair } from '../../src/x509/index.ts';
import type * as x509 from '../../src/x509/peculiar-x509.ts';
import { signCertificate } from '../../src/x509/sign-certificate.ts';

/**
 * Signs a certificate with exactly the given extensions (plus SKI/AKI).
 *
 * @example
 *   await craftCertificate({ issuer: ca, extensions: [new x509.Extension(oid, false, bytes)] });
 */
export async function craftCertificate(options: {
  issuer: CertificateAuthority;
  extensions: x509.Extension[];
  subject?: DistinguishedName;
  keyAlgorithm?: KeyAlgorithm;
  notBefore?: Date;
  notAfter?: Date;
}): Promise<IssuedCertificate> {
  const keyPair = await generateKeyPair(options.keyAlgorithm ?? 'ecdsa-p256');
  const now = Date.now();
  const certificate = await signCertificate({
    issuer: options.issuer,
    subject: options.subject ?? { CN: 'crafted' },
    subjectKeyPair: keyPair,
    validity: {
      notBefore: options.notBefore ?? new Date(now - 60_000),
      notAfter: options.notAfter ?? new Date(now + 300_000),
    },
    extensions: options.extensions,
  });
  return {
    certificate,
    certificatePem: certificateToPem(certificate),
    keyPair,
    privateKeyPem: exportPrivateKeyPem(keyPair),
  };
}

/**
 * Treats an issued certificate as if it were a CA (to check that verifiers refuse it).
 *
 * @example
 *   const fakeCa = asCertificateAuthority(leaf, [serverCa.certificate, root.certificate]);
 */
export function asCertificateAuthority(
  issued: IssuedCertificate,
  issuerCertificates: x509.X509Certificate[],
): CertificateAuthority {
  return {
    certificate: issued.certificate,
    certificatePem: issued.certificatePem,
    keyPair: issued.keyPair,
    issuerCertificates,
  };
}

/**
 * Deterministic pseudo-random numbers (xorshift32) so fuzz failures reproduce.
 *
 * @example
 *   const random = seededRandom(42); random(); // 0 <= n < 1
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}
