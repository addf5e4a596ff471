/**
 * Intermediate CAs (the reference's Server/Client CAs under each root): keyUsage
 * keyCertSign|cRLSign, basicConstraints CA with a path length (critical), valid until 2045 unless
 * told otherwise.
 */
import { CertificateError } from '../certificate-error.ts';
import type { CertificateAuthority } from './certificate-authority.ts';
import * as x509 from './peculiar-x509.ts';
import { issueCaCertificate, type RootCaOptions } from './root-ca.ts';

/**
 * Options of createIntermediateCa.
 *
 * @example
 *   const options: IntermediateCaOptions = { issuer: root, subject: { O: orgId, CN: 'Infisical Gateway Server CA' }, pathLength: 0 };
 */
export interface IntermediateCaOptions extends RootCaOptions {
  readonly issuer: CertificateAuthority;
  /** How many CAs may sit below this one (0: it signs leaves only). */
  readonly pathLength: number;
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
  return issueCaCertificate(options, issuer, pathLength);
}
