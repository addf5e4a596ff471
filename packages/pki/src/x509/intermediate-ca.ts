/**
 * Intermediate CAs (the reference's Server/Client CAs under each root): keyUsage
 * keyCertSign|cRLSign, basicConstraints CA with a path length (critical), valid until 2045 unless
 * told otherwise.
 */
import { CertificateError } from '../certificate-error.ts';
import type { CertificateAuthority } from './certificate-authority.ts';
import { certificateToPem } from './certificate-pem.ts';
import type { DistinguishedName } from './distinguished-name.ts';
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from './key-algorithm.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';
import * as x509 from './peculiar-x509.ts';
import { signCertificate } from './sign-certificate.ts';
import { CA_DEFAULT_NOT_AFTER, caValidityPeriod } from './validity-period.ts';

/**
 * Options of createIntermediateCa.
 *
 * @example
 *   const options: IntermediateCaOptions = { issuer: root, subject: { O: orgId, CN: 'Infisical Gateway Server CA' }, pathLength: 0 };
 */
export interface IntermediateCaOptions {
  readonly issuer: CertificateAuthority;
  readonly subject: DistinguishedName;
  /** How many CAs may sit below this one (0: it signs leaves only). */
  readonly pathLength: number;
  /** Default 'ecdsa-p256'; ignored when `keyPair` is given. */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Use this key instead of generating one. */
  readonly keyPair?: KeyPair;
  /** Default 2045-01-01 (CA_DEFAULT_NOT_AFTER). */
  readonly notAfter?: Date;
  /** Issue time; default the current time. */
  readonly now?: Date;
}

/**
 * Creates a CA signed by `issuer`.
 *
 * @example
 *   const serverCa = await createIntermediateCa({
 *     issuer: root, subject: { O: orgId, CN: 'Infisical Gateway Server CA' }, pathLength: 0,
 *   });
 */
export async function createIntermediateCa(
  options: IntermediateCaOptions,
): Promise<CertificateAuthority> {
  const { issuer, pathLength } = options;
  if (!Number.isInteger(pathLength) || pathLength < 0 || pathLength > 16) {
    throw new CertificateError('INVALID_ARGUMENT', `pathLength must be 0..16, got ${pathLength}`);
  }
  const issuerConstraints = issuer.certificate.getExtension(x509.BasicConstraintsExtension);
  if (!issuerConstraints?.ca) {
    throw new CertificateError('INVALID_ARGUMENT', 'issuer is not a CA certificate');
  }
  const issuerPathLength = issuerConstraints.pathLength;
  if (issuerPathLength !== undefined && pathLength > issuerPathLength - 1) {
    throw new CertificateError(
      'INVALID_ARGUMENT',
      `issuer allows path length ${issuerPathLength}, so this CA's pathLength must be at most ${issuerPathLength - 1}`,
    );
  }
  const keyPair =
    options.keyPair ?? (await generateKeyPair(options.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM));
  const certificate = await signCertificate({
    issuer,
    subject: options.subject,
    subjectKeyPair: keyPair,
    validity: caValidityPeriod(options.now ?? new Date(), options.notAfter ?? CA_DEFAULT_NOT_AFTER),
    extensions: [
      new x509.BasicConstraintsExtension(true, pathLength, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return {
    certificate,
    certificatePem: certificateToPem(certificate),
    keyPair,
    issuerCertificates: [issuer.certificate, ...issuer.issuerCertificates],
  };
}
