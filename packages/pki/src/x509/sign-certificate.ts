/**
 * The one place certificates are signed: a fresh random serial, SKI (and AKI when issued by a
 * CA), the caller's extensions, the issuer's exact subject as issuer name, and the signature
 * algorithm implied by the signing key (sha256WithRSAEncryption, ecdsa-with-SHA256, Ed25519).
 */
import type { CertificateAuthority } from './certificate-authority.ts';
import { toX509Name, type DistinguishedName } from './distinguished-name.ts';
import { authorityKeyIdentifier, subjectKeyIdentifier } from './key-identifiers.ts';
import type { KeyPair } from './key-pair.ts';
import * as x509 from './peculiar-x509.ts';
import { randomSerialNumber } from './serial-number.ts';
import type { ValidityPeriod } from './validity-period.ts';

/**
 * What to sign.
 *
 * @example
 *   const request: CertificateToSign = { subject: { CN: 'x' }, subjectKeyPair, validity, extensions: [] };
 */
export interface CertificateToSign {
  /** The signing CA; omit for a self-signed certificate (signed by `subjectKeyPair`). */
  readonly issuer?: CertificateAuthority;
  readonly subject: DistinguishedName;
  readonly subjectKeyPair: KeyPair;
  readonly validity: ValidityPeriod;
  readonly extensions: readonly x509.Extension[];
}

/**
 * Signs a certificate.
 *
 * @example
 *   const cert = await signCertificate({ issuer: ca, subject, subjectKeyPair, validity, extensions });
 */
export async function signCertificate(request: CertificateToSign): Promise<x509.X509Certificate> {
  const { issuer, subjectKeyPair } = request;
  const subject = toX509Name(request.subject);
  const extensions: x509.Extension[] = [
    ...request.extensions,
    await subjectKeyIdentifier(subjectKeyPair.publicKey),
  ];
  if (issuer) extensions.push(await authorityKeyIdentifier(issuer.certificate));
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: issuer ? issuer.certificate.subjectName : subject,
    notBefore: request.validity.notBefore,
    notAfter: request.validity.notAfter,
    publicKey: subjectKeyPair.publicKey,
    signingKey: (issuer?.keyPair ?? subjectKeyPair).privateKey,
    extensions,
  });
}
